// Shared by the bulk tests: an app with a BULK_DIR of its own, a worker on its services, and the
// client side of the export flow (kick-off, poll, manifest, download).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BulkWorker, type WorkerOptions } from '../../src/bulk/worker.js';
import { testApp, type FhirClient, type TestApp } from '../helpers/app.js';

interface TestLike {
  teardown(fn: () => unknown): void;
}

export interface BulkApp extends TestApp {
  worker(options?: WorkerOptions): BulkWorker;
}

export async function bulkApp(t: TestLike, env: Record<string, string> = {}): Promise<BulkApp> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'haven-bulk-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const app = await testApp(t, { BULK_DIR: dir, ...env });
  const workers: BulkWorker[] = [];
  t.teardown(() => Promise.all(workers.map((w) => w.stop())));
  return {
    ...app,
    worker: (options = {}) => {
      // No grace period: the tests write, then export, from one process (timing is never asserted).
      const worker = new BulkWorker(app.services, {
        graceMs: 0,
        pageSize: 1000,
        log: { info: () => undefined, error: (obj, msg) => console.error(msg, obj) },
        ...options,
      });
      workers.push(worker);
      return worker;
    },
  };
}

export const KICKOFF_HEADERS = { accept: 'application/fhir+json', prefer: 'respond-async' };

/** The status path below /fhir of a Content-Location. */
export function statusPath(contentLocation: unknown): string {
  return String(contentLocation).replace('http://haven.test/fhir/', '');
}

export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: Array<{ type: string; url: string; count: number }>;
  error: Array<{ type: string; url: string; count: number }>;
}

/** Kick-off, one drain of the worker, then the manifest (the status must be 200 by then). */
export async function runExport(app: BulkApp, fhir: FhirClient, kickoff: string, worker = app.worker()): Promise<{ manifest: Manifest; location: string }> {
  const started = await fhir('GET', kickoff, undefined, KICKOFF_HEADERS);
  if (started.status !== 202) throw new Error(`kick-off ${kickoff}: ${started.status} ${started.body}`);
  const location = statusPath(started.headers['content-location']);
  await worker.drain();
  const done = await fhir('GET', location, undefined, { accept: 'application/json' });
  if (done.status !== 200) throw new Error(`status ${location}: ${done.status} ${done.body}`);
  return { manifest: done.json as Manifest, location };
}

/** Every line of every output file, parsed, by type. */
export async function download(fhir: FhirClient, manifest: Manifest): Promise<Record<string, Array<Record<string, unknown>>>> {
  const byType: Record<string, Array<Record<string, unknown>>> = {};
  for (const item of manifest.output) {
    const res = await fhir('GET', item.url.replace('http://haven.test/fhir/', ''), undefined, { accept: 'application/fhir+ndjson' });
    if (res.status !== 200) throw new Error(`file ${item.url}: ${res.status}`);
    for (const line of res.body.split('\n').filter(Boolean)) (byType[item.type] ??= []).push(JSON.parse(line) as Record<string, unknown>);
  }
  return byType;
}

export function ids(resources: Array<Record<string, unknown>> | undefined): string[] {
  return (resources ?? []).map((r) => String(r.id)).sort();
}
