// Builds the care-team dashboard (app/) into dist/app/: one script bundle, one style sheet, the HTML
// pages. esbuild because it bundles TypeScript and CSS in well under a second with no config, so
// `npm run build` (and the prepare step of `npm ci`) stays fast. Run as `node app/build.mjs`, or
// import buildDashboard() (the browser tests build before they start).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = path.dirname(fileURLToPath(import.meta.url));
export const outDir = path.join(appDir, '..', 'dist', 'app');

export async function buildDashboard() {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    // main.ts imports styles.css (with uPlot's), which esbuild writes next to it as app.css.
    entryPoints: { app: path.join(appDir, 'src', 'main.ts') },
    outdir: outDir,
    entryNames: '[name]',
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'safari15', 'firefox100'],
    // fhirclient's browser build: no Node polyfills needed.
    platform: 'browser',
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'warning',
    legalComments: 'linked',
  });
  copyFileSync(path.join(appDir, 'index.html'), path.join(outDir, 'index.html'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildDashboard();
}
