// `haven import`: a Synthea-like folder of 100 patients, NDJSON with a broken line in the middle,
// resuming after an interruption, and --dry-run from the command line.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { importPaths } from '../../src/bulk/import/importer.js';
import { StoreWriter, type ImportWriter } from '../../src/bulk/import/writers.js';
import { packageRoot } from '../../src/paths.js';
import { testApp } from '../helpers/app.js';
import { writeSyntheaFolder } from './synthea.js';
import { WriteInteractions } from '../../src/fhir/interactions/write.js';
import { havenWriteHooks } from '../../src/hooks/index.js';
import { newPatient, observation, openAlerts } from '../alerts/helpers.js';

const run = promisify(execFile);

function tmp(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'haven-import-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const quiet = { write: () => true, isTTY: false };

t.test('a Synthea folder of 100 patients', async (t) => {
  const app = await testApp(t, { BUNDLE_MAX_ENTRIES: '100000' });
  const dir = tmp(t);
  const { resources } = writeSyntheaFolder(path.join(dir, 'fhir'), 100);
  const summary = await importPaths([path.join(dir, 'fhir')], new StoreWriter(app.services), {
    batchSize: 50,
    reportPath: path.join(dir, 'report.ndjson'),
    progressOut: quiet,
  });
  t.equal(summary.refused, 0, readFileSync(path.join(dir, 'report.ndjson'), 'utf8'));
  t.same(summary.stored, { Organization: 1, Practitioner: 1, Patient: 100, Encounter: 100, Observation: 100, Condition: 100 });
  t.equal(
    Object.values(summary.stored).reduce((a, b) => a + b, 0),
    resources,
  );

  const count = async (query: string) => (await app.fhir('GET', `${query}${query.includes('?') ? '&' : '?'}_total=accurate&_count=0`)).json.total;
  t.equal(await count('Patient'), 100);
  t.equal(await count('Practitioner'), 1, 'conditional creates made one Practitioner');
  const practitioner = (await app.fhir('GET', 'Practitioner')).json.entry[0].resource.id;
  t.equal(await count(`Encounter?participant=Practitioner/${practitioner}`), 100, 'conditional references resolved');
  const patient = (await app.fhir('GET', 'Patient?identifier=https://github.com/synthetichealth/synthea|p-7')).json.entry[0].resource.id;
  t.equal(await count(`Observation?subject=Patient/${patient}`), 1, 'urn:uuid references rewritten to the stored ids');
  const audited = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'C' AND request_id LIKE 'import-%'`);
  t.ok(audited.rows[0].n >= 100, 'the writes are in the audit trail under the import run');
});

t.test('imported resources run the after-write hooks; a line a hook refuses is refused alone', async (t) => {
  const app = await testApp(t);
  const dir = tmp(t);
  const file = path.join(dir, 'mixed.ndjson');
  const reading = (id: string, systolic: number) => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
    subject: { reference: 'Patient/imp-1' },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value: systolic, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  });
  const subscription = {
    resourceType: 'Subscription',
    id: 'imp-sub',
    status: 'requested',
    reason: 'x',
    criteria: 'Observation',
    channel: { type: 'rest-hook', endpoint: 'https://example.org/hook' },
  };
  writeFileSync(
    file,
    [{ resourceType: 'Patient', id: 'imp-1' }, reading('imp-o1', 120), reading('imp-o2', 200), subscription].map((r) => JSON.stringify(r)).join('\n') + '\n',
  );
  const report = path.join(dir, 'report.ndjson');
  const summary = await importPaths([file], new StoreWriter(app.services), { batchSize: 10, reportPath: report, progressOut: quiet });
  t.same(summary.stored, { Patient: 1, Observation: 2 });
  t.match(
    readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [{ line: 4, resourceType: 'Subscription', status: 422 }],
    'the Subscription alone is refused',
  );
  const flags = (await app.fhir('GET', 'Flag?patient=Patient/imp-1&status=active')).json.entry ?? [];
  t.same(
    flags.map((e: { resource: { code: { coding: Array<{ code: string }> } } }) => e.resource.code.coding[0].code),
    ['bp-crisis'],
    'the alert rules ran on the imported reading',
  );
});

t.test('malformed NDJSON: the broken lines reported, the rest stored', async (t) => {
  const app = await testApp(t);
  const dir = tmp(t);
  const file = path.join(dir, 'Patient.ndjson');
  writeFileSync(
    file,
    [
      JSON.stringify({ resourceType: 'Patient', id: 'n1' }),
      JSON.stringify({ resourceType: 'Patient', id: 'n2' }),
      '{"resourceType": "Patient", "id": "n3"', // cut off
      JSON.stringify({ resourceType: 'Observation', id: 'bad-obs', status: 42, code: { text: 'x' } }), // status must be a code
      '',
      JSON.stringify({ resourceType: 'Patient', id: 'n4', gender: 'female' }),
    ].join('\n') + '\n',
  );
  const report = path.join(dir, 'report.ndjson');
  const summary = await importPaths([file], new StoreWriter(app.services), { batchSize: 2, reportPath: report, progressOut: quiet });
  t.same(summary.stored, { Patient: 3 });
  t.equal(summary.refused, 2);
  const refusals = readFileSync(report, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.match(refusals, [
    { file, line: 3, reason: /Not JSON/ },
    { file, line: 4, resourceType: 'Observation', id: 'bad-obs', status: 422, reason: /^Observation.status/ },
  ]);
  for (const id of ['n1', 'n2', 'n4']) t.equal((await app.fhir('GET', `Patient/${id}`)).status, 200, `Patient/${id} kept its id`);
  t.equal((await app.fhir('GET', 'Patient/n3')).status, 404);
});

t.test("batches overlap, yet each batch's alert rules see every line before it", async (t) => {
  // One line a batch: a patient's weight of yesterday, then today's 4 lb more (weight-gain-day,
  // 3.0 lb) in the next batch. That batch is inserted while the one before it is still in its
  // transaction; its rules must wait for that one's commit, or they find no previous day. A hook
  // added here holds yesterday's batch open a while, so that the order cannot come by luck.
  const app = await testApp(t);
  const { validator, auth, search } = app.services;
  const hooks = havenWriteHooks(validator, { authorizer: auth.authorizer, search }).on('Observation', async (_s, { version }) => {
    if (version.id.endsWith('-w1')) await new Promise((resolve) => setTimeout(resolve, 150));
  });
  const slowYesterday = new StoreWriter({ ...app.services, writes: new WriteInteractions(validator, hooks) });
  const dir = tmp(t);
  const file = path.join(dir, 'weights.ndjson');
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  const patients: string[] = [];
  for (let i = 0; i < 8; i++) patients.push(await newPatient(app, 'overlap'));
  const lines = patients.flatMap((p) => [
    { ...observation(p, '29463-7', 180, '[lb_av]', yesterday), id: `${p}-w1` },
    { ...observation(p, '29463-7', 184, '[lb_av]'), id: `${p}-w2` },
  ]);
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const summary = await importPaths([file], slowYesterday, { batchSize: 1, reportPath: path.join(dir, 'report.ndjson'), progressOut: quiet });
  t.same(summary.stored, { Observation: 16 });
  for (const p of patients) t.equal((await openAlerts(app, p, 'weight-gain-day')).length, 1, `${p}: the gain over yesterday raised its Flag`);
});

t.test('an interrupted import resumes where it stopped', async (t) => {
  const app = await testApp(t);
  const dir = tmp(t);
  const file = path.join(dir, 'Patient.ndjson');
  writeFileSync(file, Array.from({ length: 10 }, (_, i) => JSON.stringify({ resourceType: 'Patient', id: `r${i}` })).join('\n') + '\n');
  const store = new StoreWriter(app.services);
  let batches = 0;
  const crashing: ImportWriter = {
    resources: async (resources, after) => {
      if (++batches === 3) throw new Error('power cut');
      return store.resources(resources, after);
    },
    bundle: (bundle) => store.bundle(bundle),
  };
  const options = { batchSize: 3, reportPath: path.join(dir, 'report.ndjson'), checkpointPath: path.join(dir, 'checkpoint.json'), progressOut: quiet };
  await t.rejects(importPaths([file], crashing, options), /power cut/);
  const second = await importPaths([file], store, options);
  t.same(second.stored, { Patient: 4 }, 'only the lines not yet stored');
  for (let i = 0; i < 10; i++) {
    const res = await app.fhir('GET', `Patient/r${i}`);
    t.equal(res.json?.meta?.versionId, '1', `Patient/r${i} stored once`);
  }
  const third = await importPaths([file], store, options);
  t.equal(third.resumedFiles, 1, 'a finished file is not read again');
  t.same(third.stored, {});
});

t.test('importing again updates what exists (the general path) and creates what is new', async (t) => {
  const app = await testApp(t);
  const dir = tmp(t);
  const file = path.join(dir, 'Patient.ndjson');
  const options = { batchSize: 10, reportPath: path.join(dir, 'report.ndjson'), progressOut: quiet };
  writeFileSync(file, [JSON.stringify({ resourceType: 'Patient', id: 'again' })].join('\n') + '\n');
  await importPaths([file], new StoreWriter(app.services), options);
  writeFileSync(
    file,
    [JSON.stringify({ resourceType: 'Patient', id: 'again', gender: 'male' }), JSON.stringify({ resourceType: 'Patient', id: 'fresh' })].join('\n') + '\n',
  );
  const summary = await importPaths([file], new StoreWriter(app.services), options);
  t.same(summary.stored, { Patient: 2 });
  const again = (await app.fhir('GET', 'Patient/again')).json;
  t.equal(again.meta.versionId, '2');
  t.equal(again.gender, 'male');
  t.equal((await app.fhir('GET', 'Patient/fresh')).json.meta.versionId, '1');
});

t.test('haven import --dry-run validates only', async (t) => {
  const dir = tmp(t);
  writeFileSync(
    path.join(dir, 'a.ndjson'),
    [JSON.stringify({ resourceType: 'Patient', id: 'x' }), JSON.stringify({ resourceType: 'Observation', status: 42, code: {} })].join('\n') + '\n',
  );
  const report = path.join(dir, 'report.ndjson');
  const result = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', '--dry-run', '--report', report, dir], {
    cwd: packageRoot,
    env: { ...process.env, DATA_DIR: path.join(dir, 'data') },
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  t.equal((result as { code?: number }).code, 1, 'exit 1 when something was refused');
  t.match(result.stdout, /valid: 1 resources \(Patient 1\)/);
  t.match(result.stdout, /refused: 1/);
  t.match(result.stderr, /1\/2|2\/2/, 'progress on stderr');
  t.match(readFileSync(report, 'utf8'), /"line":2/);
});
