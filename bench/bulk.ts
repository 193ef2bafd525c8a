// Bulk throughput (issue 18): `haven import` of N Observations against a bare COPY of the same
// rows, and `$export` of them against a bare COPY TO, in the same run on the same database.
// Goals: import >= 0.3 of COPY, export >= 0.5. Not an autocannon scenario (bench/scenarios/):
// these are batch jobs, measured in resources/s, so they have their own entry
// (`npm run bench:bulk -- --resources N`, bench/bulk-run.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BulkWorker } from '../src/bulk/worker.js';
import { ExportJobs } from '../src/store/bulk/jobs.js';
import { importPaths } from '../src/bulk/import/importer.js';
import { StoreWriter } from '../src/bulk/import/writers.js';
import { loadConfig } from '../src/config.js';
import { createServices } from '../src/runtime.js';
import { openPostgres } from '../src/store/postgres.js';
import { createBenchDatabase } from './lib/database.js';

const run = promisify(execFile);

export interface BulkBenchRow {
  what: 'import' | 'export';
  haven: number;
  baseline: number;
  baselineKind: string;
  ratio: number;
  goal: number;
}

export async function runBulkBench(options: { databaseUrl: string; resources: number; log?: (message: string) => void }): Promise<BulkBenchRow[]> {
  const log = options.log ?? (() => undefined);
  const name = `haven_bench_bulk_${Date.now()}`;
  const database = await createBenchDatabase(options.databaseUrl, name);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'haven-bench-bulk-'));
  const db = await openPostgres(database.url, 4);
  try {
    const config = loadConfig({ DATABASE_URL: database.url, BULK_DIR: path.join(dir, 'bulk'), DATA_DIR: dir, BUNDLE_MAX_ENTRIES: '100000' });
    const services = createServices(config, db);
    await services.auth.keys.open();
    const file = path.join(dir, 'Observation.ndjson');
    const lines = [JSON.stringify({ resourceType: 'Patient', id: 'bench-bulk-patient' })];
    for (let i = 0; i < options.resources; i++) {
      lines.push(
        JSON.stringify({
          resourceType: 'Observation',
          id: `bench-bulk-${i}`,
          status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
          subject: { reference: 'Patient/bench-bulk-patient' },
          effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
          valueQuantity: { value: 60 + (i % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
        }),
      );
    }
    writeFileSync(file, lines.join('\n') + '\n');

    log(`import of ${options.resources} Observations`);
    const imported = await importPaths([file], new StoreWriter(services), {
      batchSize: 500,
      reportPath: path.join(dir, 'report.ndjson'),
      progressOut: { write: () => true, isTTY: false },
    });
    const importRate = imported.perSecond;
    log('bare COPY of the same rows');
    await database.pool.query('CREATE TABLE bench_bulk_copy (content jsonb NOT NULL)');
    const copyIn = await timed(() => copy(database.url, `\\copy bench_bulk_copy (content) FROM '${file}'`));
    const copyRate = (options.resources + 1) / copyIn.seconds;

    log(`$export of ${options.resources} Observations`);
    const jobs = new ExportJobs(db);
    const id = await jobs.create({
      client: 'haven|bench',
      level: 'system',
      requestUrl: `${config.fhirBaseUrl}/$export?_type=Observation`,
      params: { types: ['Observation'], typeFilters: {} },
      grant: { issuer: 'haven', scope: 'system/*.read', subject: 'bench' },
      actor: { requestId: 'bench-bulk-export', subject: 'bench' },
    });
    const worker = new BulkWorker(services, { graceMs: 0 });
    const exported = await timed(() => worker.drain());
    const job = await jobs.get(id);
    const count = job?.output.reduce((n, f) => n + f.count, 0) ?? 0;
    if (count !== options.resources) throw new Error(`the export wrote ${count} resources, not ${options.resources}`);
    const exportRate = count / exported.seconds;
    log('bare COPY TO of the same rows');
    const copyOut = await timed(() =>
      copy(database.url, `\\copy (SELECT content FROM resource WHERE resource_type = 'Observation') TO '${path.join(dir, 'copy-out.ndjson')}'`),
    );
    const copyOutRate = count / copyOut.seconds;
    await worker.stop();
    return [
      { what: 'import', haven: importRate, baseline: copyRate, baselineKind: 'COPY FROM', ratio: importRate / copyRate, goal: 0.3 },
      { what: 'export', haven: exportRate, baseline: copyOutRate, baselineKind: 'COPY TO', ratio: exportRate / copyOutRate, goal: 0.5 },
    ];
  } finally {
    await db.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** psql's \copy: the client-side COPY, the fastest way rows get in and out of PostgreSQL. */
async function copy(url: string, command: string): Promise<void> {
  await run('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command]);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await fn();
  return { result, seconds: Math.max(Number(process.hrtime.bigint() - started) / 1e9, 1e-6) };
}

export function formatBulkTable(rows: BulkBenchRow[]): string {
  return [
    '| bulk | Haven resources/s | baseline | baseline resources/s | ratio | goal |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.what} | ${Math.round(r.haven)} | ${r.baselineKind} | ${Math.round(r.baseline)} | ${r.ratio.toFixed(2)} | >= ${r.goal} |`),
  ].join('\n');
}
