/// <reference lib="dom" />
// The care-team dashboard on a real listening Haven with the demo data, for the browser tests:
// builds app/ into dist/app/ first (the plugin serves what is built), listens on a free port whose
// address is BASE_URL (so tokens name the address the browser uses), loads the demo patients
// through HTTP, and signs a person in.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import { ensureDashboardClient } from '../../src/app-host/dashboard-client.js';
import { seedDemo, type DemoResult, type Send } from '../../src/app-host/demo-data.js';
import { addUser } from '../../src/oauth/users.js';
import { packageRoot } from '../../src/paths.js';
import { testApp, type TestApp } from '../helpers/app.js';

interface TestLike {
  teardown(fn: () => unknown): void;
}

export const DASHBOARD_SCOPE = 'user/*.rs user/Flag.u';
export const PASSWORD = 'correct horse battery';

export async function buildDashboardBundle(): Promise<void> {
  await promisify(execFile)(process.execPath, [path.join(packageRoot, 'app', 'build.mjs')], { cwd: packageRoot });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface DashboardHaven {
  ctx: TestApp;
  url: string;
  demo: DemoResult;
  send: Send;
  /** A dashboard token for a Practitioner, as SMART App Launch would issue it. */
  tokenFor(practitionerId: string): Promise<string>;
}

export async function dashboardHaven(t: TestLike, days = 21): Promise<DashboardHaven> {
  await buildDashboardBundle();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const ctx = await testApp(t, { BASE_URL: url });
  await ctx.app.listen({ host: '127.0.0.1', port });
  const send: Send = async (method, target, body) => {
    const response = await ctx.app.inject({
      method,
      url: target,
      headers: { authorization: ctx.authorization, ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : undefined };
  };
  const demo = await seedDemo(send, { days });
  // What `haven demo` does too: the dashboard registered as a SMART client, and the clinicians' logins.
  await ensureDashboardClient(ctx.db, ctx.config);
  await addUser(ctx.db, demo.practitioners.therapist.username, `Practitioner/${demo.practitioners.therapist.id}`, PASSWORD);
  await addUser(ctx.db, demo.practitioners.nurse.username, `Practitioner/${demo.practitioners.nurse.id}`, PASSWORD);
  const tokenFor = (id: string) => ctx.token(DASHBOARD_SCOPE, { fhirUser: `Practitioner/${id}`, subject: `Practitioner/${id}` });
  return { ctx, url, demo, send, tokenFor };
}

/**
 * Signs in through SMART App Launch as a person would: the app's "Sign in with Haven" (or an EHR's
 * launch URL) sends the browser to Haven's login and consent pages, then back to the app.
 */
export async function signInWithSmart(page: Page, start: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(start);
  if (!start.includes('launch.html')) {
    await page.waitForSelector('#sign-in');
    await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  } else {
    await page.waitForSelector('input[name=username]');
  }
  await page.waitForSelector('input[name=username]');
  await page.type('input[name=username]', username);
  await page.type('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await page.waitForSelector('button[name=decision][value=allow]', { timeout: 10_000 }).catch(async () => {
    throw new Error(`no consent page at ${page.url().split('?')[0]}: ${(await page.evaluate(() => document.body.innerText)).slice(0, 500)}`);
  });
  await Promise.all([page.waitForNavigation(), page.click('button[name=decision][value=allow]')]);
  await page.waitForFunction(() => window.location.pathname.endsWith('/app/') && !window.location.search.includes('code='), { timeout: 20_000 });
}

/** Signs in with a token through the dashboard's own sign-in form (until a login page exists). */
export async function signInWithToken(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/app/`);
  await page.waitForSelector('details.developer summary');
  await page.click('details.developer summary');
  await page.type('#token', token);
  await Promise.all([page.waitForNavigation(), page.click('#token-form button[type=submit]')]);
}

/** Collects Content-Security-Policy violations of every document the page loads. */
export async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluateOnNewDocument(() => {
    (window as unknown as { __csp: string[] }).__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}

/** axe-core run in the page (evaluated through the DevTools protocol, which the CSP does not block). */
export async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string; help: string; nodes: number }>> {
  const source = readFileSync(path.join(packageRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
}

/** The data attributes of a drawn chart. */
export async function chartData(
  page: Page,
  id: string,
): Promise<{ points: number; series: Record<string, Array<number | null>>; thresholds: number[]; bands: string[]; markers: number; drawn: boolean }> {
  await page.waitForSelector(`[data-chart="${id}"][data-drawn="true"]`, { timeout: 20_000 });
  return page.$eval(`[data-chart="${id}"]`, (el) => {
    const d = (el as HTMLElement).dataset;
    return {
      points: Number(d.points),
      series: JSON.parse(d.series ?? '{}'),
      thresholds: JSON.parse(d.thresholds ?? '[]'),
      bands: JSON.parse(d.bands ?? '[]'),
      markers: Number(d.markers),
      drawn: d.drawn === 'true' && !!el.querySelector('canvas'),
    };
  });
}
