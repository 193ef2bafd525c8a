// A job survives its worker: an instance that dies in the middle of an export leaves a lease that
// runs out, and the next worker resumes at the first unfinished type with the same
// transactionTime; a clean stop hands the job back at once. Two workers on one table run each job
// exactly once.
import t from 'tap';
import { JobLost } from '../../src/bulk/export-runner.js';
import { bulkApp, download, ids, KICKOFF_HEADERS, statusPath } from './helpers.js';
import { loadPopulation } from './fixtures.js';
import { errorCode } from '../helpers/outcome.js';

t.test('restart in the middle of an export', async (t) => {
  const app = await bulkApp(t);
  await loadPopulation(app.fhir);
  const kick = await app.fhir('GET', '$export?_type=Patient,Observation', undefined, KICKOFF_HEADERS);
  const location = statusPath(kick.headers['content-location']);
  const jobId = location.split('/').pop() as string;

  // The first instance "dies" after the first page of Observations (Patient is done by then):
  // it stops without handing the job back, as a killed process would.
  let pages = 0;
  const dying = app.worker({
    pageSize: 2,
    afterPage: (_job, type) => {
      pages++;
      if (type === 'Observation') throw new JobLost('killed');
    },
  });
  t.equal(await dying.runOne(), true);
  t.ok(pages >= 3, 'it got as far as Observations');
  const mid = await app.fhir('GET', location, undefined, { accept: 'application/json' });
  t.equal(mid.status, 202, 'still running as far as the client can tell');
  const {
    rows: [before],
  } = await app.db.query<{ transaction_time: Date; done_types: string[] }>('SELECT transaction_time, done_types FROM bulk_export_job WHERE id = $1', [jobId]);
  t.same(before.done_types, ['Patient']);

  const second = app.worker({ pageSize: 2 });
  t.equal(await second.drain(), 0, 'a live lease is not taken over');
  // Time passes: the dead worker's lease runs out.
  await app.db.query(`UPDATE bulk_export_job SET lease_until = now() - interval '1 second' WHERE id = $1`, [jobId]);
  t.equal(await second.drain(), 1, 'the next worker resumes it');

  const done = await app.fhir('GET', location, undefined, { accept: 'application/json' });
  t.equal(done.status, 200);
  t.equal(done.json.transactionTime, new Date(before.transaction_time).toISOString(), 'the same transactionTime');
  const files = await download(app.fhir, done.json);
  t.same(ids(files.Patient), ['a', 'b', 'c'], 'the finished type is kept');
  t.same(ids(files.Observation), ['oa1', 'oa2', 'ob1', 'oc1'], 'the unfinished type is complete, each once');
  const {
    rows: [after],
  } = await app.db.query<{ attempt: number }>('SELECT attempt FROM bulk_export_job WHERE id = $1', [jobId]);
  t.equal(after.attempt, 2);
});

t.test('a clean stop hands the job back', async (t) => {
  const app = await bulkApp(t);
  await loadPopulation(app.fhir);
  const kick = await app.fhir('GET', '$export?_type=Patient,Observation', undefined, KICKOFF_HEADERS);
  const location = statusPath(kick.headers['content-location']);
  let stopping: Promise<void> | undefined;
  const first = app.worker({
    pageSize: 1,
    afterPage: () => {
      stopping ??= first.stop();
    },
  });
  await first.runOne();
  await stopping;
  t.equal((await app.fhir('GET', location)).status, 202);
  t.equal(await app.worker().drain(), 1, 'taken at once, no lease to wait for');
  const files = await download(app.fhir, (await app.fhir('GET', location)).json);
  t.same(ids(files.Observation), ['oa1', 'oa2', 'ob1', 'oc1']);
});

t.test('a job that keeps killing its worker fails with an OperationOutcome', async (t) => {
  const app = await bulkApp(t);
  await loadPopulation(app.fhir);
  const kick = await app.fhir('GET', '$export?_type=Patient', undefined, KICKOFF_HEADERS);
  const location = statusPath(kick.headers['content-location']);
  const jobId = location.split('/').pop() as string;
  for (let i = 0; i < 4; i++) {
    await app
      .worker({
        afterPage: () => {
          throw new JobLost('killed');
        },
      })
      .runOne();
    await app.db.query(`UPDATE bulk_export_job SET lease_until = now() - interval '1 second' WHERE id = $1`, [jobId]);
  }
  const res = await app.fhir('GET', location);
  t.equal(res.status, 500);
  t.equal(res.json.resourceType, 'OperationOutcome');
  t.equal(errorCode(res.json), 'export-abandoned', 'given up, not failed on an error');
});

t.test('a resource changed during the export is in it, or changed after transactionTime', async (t) => {
  const app = await bulkApp(t);
  await loadPopulation(app.fhir);
  const kick = await app.fhir('GET', '$export?_type=Patient,Observation', undefined, KICKOFF_HEADERS);
  const location = statusPath(kick.headers['content-location']);
  const changed = { resourceType: 'Observation', id: 'oc1', status: 'amended', code: { text: 'changed' }, subject: { reference: 'Patient/c' } };
  let once = false;
  const worker = app.worker({
    pageSize: 1,
    afterPage: async (_job, type) => {
      if (type !== 'Observation' || once) return;
      once = true;
      // While Observations are being read: one is changed, one is created.
      t.equal((await app.fhir('PUT', 'Observation/oc1', changed)).status, 200);
      t.equal((await app.fhir('PUT', 'Observation/new1', { ...changed, id: 'new1' })).status, 201);
    },
  });
  await worker.drain();
  const manifest = (await app.fhir('GET', location)).json;
  const files = await download(app.fhir, manifest);
  const time = Date.parse(manifest.transactionTime);
  for (const id of ['oc1', 'new1']) {
    const current = (await app.fhir('GET', `Observation/${id}`)).json;
    const exported = files.Observation.find((o) => o.id === id) as { meta: { versionId: string } } | undefined;
    if (exported) t.equal(exported.meta.versionId, current.meta.versionId, `${id}: the export holds its current version`);
    else t.ok(Date.parse(current.meta.lastUpdated) > time, `${id}: left out, and changed after transactionTime`);
  }
  t.notOk(
    files.Observation.some((o) => o.id === 'new1'),
    'what was created after transactionTime is not in this export',
  );
  t.same(
    ids(files.Observation).filter((id) => id !== 'oc1'),
    ['oa1', 'oa2', 'ob1'],
    'the rest as it was',
  );
});

t.test('two workers, each job once', async (t) => {
  const app = await bulkApp(t);
  await loadPopulation(app.fhir);
  const locations: string[] = [];
  for (const subject of ['one', 'two', 'three']) {
    const fhir = app.as(await app.token('system/*.read', { subject }));
    for (const type of ['Patient', 'Observation']) {
      const kick = await fhir('GET', `$export?_type=${type}`, undefined, KICKOFF_HEADERS);
      t.equal(kick.status, 202);
      locations.push(statusPath(kick.headers['content-location']));
    }
  }
  const [a, b] = [app.worker(), app.worker()];
  const [ranA, ranB] = await Promise.all([a.drain(), b.drain()]);
  t.equal(ranA + ranB, 6, 'every job ran, once');
  const { rows } = await app.db.query<{ state: string; attempt: number }>('SELECT state, attempt FROM bulk_export_job');
  t.same(
    rows.map((r) => [r.state, r.attempt]),
    rows.map(() => ['completed', 1]),
    'each claimed once',
  );
});
