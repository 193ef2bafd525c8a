// A real headless browser for tests of pages (sign-in, consent, the dashboard): Debian's chromium
// driven by puppeteer-core, which downloads no browser of its own. `.ci/run` installs chromium
// where it is missing; CHROMIUM_PATH points elsewhere if needed.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { packageRoot } from '../../src/paths.js';

interface TestLike {
  teardown(fn: () => unknown): void;
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where screenshots are written as test artefacts (kept by CI with the run's output). */
export const ARTEFACTS_DIR = path.join(packageRoot, '.tap', 'artefacts');

/** Launches headless chromium, closed when the test ends. */
export async function launchBrowser(t: TestLike): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`No chromium at ${CHROMIUM_PATH}: install Debian's chromium package (.ci/run does)`);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // The machine's network is closed: without these chromium keeps trying to reach outside hosts.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** Saves a full-page screenshot as `.tap/artefacts/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTEFACTS_DIR, { recursive: true });
  const file = path.join(ARTEFACTS_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  return file;
}
