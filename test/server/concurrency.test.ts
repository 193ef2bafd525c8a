// Optimistic locking under concurrency: of 20 If-Match updates of one version exactly one wins, and
// history holds no gap or duplicate, within one process and across two processes on one database.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { engine } from '../helpers/database.js';
import { startServerProcess } from '../helpers/server-process.js';

const patient = (family: string, id: string) => ({ resourceType: 'Patient', id, name: [{ family }] });

async function versions(db: { query<R>(sql: string, p?: unknown[]): Promise<{ rows: R[] }> }, id: string): Promise<number[]> {
  const { rows } = await db.query<{ version_id: number }>(
    "SELECT version_id FROM resource_history WHERE resource_type = 'Patient' AND id = $1 ORDER BY version_id",
    [id],
  );
  return rows.map((r) => r.version_id);
}

t.test('in one process: 20 concurrent If-Match updates, exactly one succeeds', async (t) => {
  const { fhir, db } = await testApp(t);
  await fhir('PUT', 'Patient/race', patient('Start', 'race'));
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => fhir('PUT', 'Patient/race', patient(`Writer${i}`, 'race'), { 'if-match': 'W/"1"' })));
  t.equal(answers.filter((a) => a.status === 200).length, 1);
  t.equal(answers.filter((a) => a.status === 412).length, 19);
  t.same(await versions(db, 'race'), [1, 2]);
});

t.test('in one process: 20 concurrent plain updates make 20 consecutive versions', async (t) => {
  const { fhir, db } = await testApp(t);
  await fhir('PUT', 'Patient/busy', patient('Start', 'busy'));
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => fhir('PUT', 'Patient/busy', patient(`W${i}`, 'busy'))));
  t.ok(answers.every((a) => a.status === 200));
  t.same(
    await versions(db, 'busy'),
    Array.from({ length: 21 }, (_, i) => i + 1),
  );
});

t.test(
  'two server processes on one PostgreSQL database: exactly one of 20 If-Match updates wins',
  { skip: engine !== 'postgres' && 'needs a PostgreSQL server (DATABASE_URL)' },
  async (t) => {
    const { databaseUrl, db } = await testApp(t);
    const servers = await Promise.all([
      startServerProcess({ DATABASE_URL: databaseUrl as string }),
      startServerProcess({ DATABASE_URL: databaseUrl as string }),
    ]);
    t.teardown(() => Promise.all(servers.map((s) => s.stop())));
    const auth = await Promise.all(servers.map((s) => s.authorized()));
    const put = (server: number, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${servers[server].url}/fhir/Patient/shared`, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json', ...auth[server], ...headers },
        body: JSON.stringify(body),
      });
    t.equal((await put(0, patient('Start', 'shared'))).status, 201);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => put(i % 2, patient(`W${i}`, 'shared'), { 'if-match': 'W/"1"' }).then((r) => r.status)),
    );
    t.equal(statuses.filter((s) => s === 200).length, 1, 'one winner');
    t.equal(statuses.filter((s) => s === 412).length, 19, 'the rest 412');
    t.same(await versions(db, 'shared'), [1, 2]);
    const plain = await Promise.all(Array.from({ length: 20 }, (_, i) => put(i % 2, patient(`P${i}`, 'shared')).then((r) => r.status)));
    t.ok(plain.every((s) => s === 200));
    t.same(
      await versions(db, 'shared'),
      Array.from({ length: 22 }, (_, i) => i + 1),
      'no gap, no duplicate',
    );
  },
);
