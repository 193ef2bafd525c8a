// Start-up, readiness, graceful shutdown and restarts of a real Haven process.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Runtime } from '../../src/runtime.js';
import { engine } from '../helpers/database.js';
import { startServerProcess } from '../helpers/server-process.js';

t.test('before the services are ready, /healthz and FHIR answer 503', async (t) => {
  const app = buildApp({ config: loadConfig({}), runtime: new Runtime(), logger: false });
  t.teardown(() => app.close());
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 503);
  const metadata = await app.inject({ method: 'GET', url: '/fhir/metadata' });
  t.equal(metadata.statusCode, 503);
  t.equal(JSON.parse(metadata.body).resourceType, 'OperationOutcome');
});

t.test(
  'the embedded database: serves, stops on SIGTERM with exit 0, and keeps its data across a restart',
  { skip: engine !== 'pglite' && 'runs with the embedded database' },
  async (t) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'haven-life-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startServerProcess({ DATA_DIR: dataDir });
    const health = await fetch(`${first.url}/healthz`);
    t.same(await health.json(), { status: 'ok' });
    const created = await fetch(`${first.url}/fhir/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...(await first.authorized()) },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Persistent' }] }),
    });
    t.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const started = Date.now();
    t.equal(await first.stop(), 0, 'exit code 0 on SIGTERM');
    t.ok(Date.now() - started < 10_000, 'within 10 s');
    t.notMatch(first.output(), /"level":(50|60)/, 'no errors logged');

    const second = await startServerProcess({ DATA_DIR: dataDir });
    t.teardown(() => second.stop());
    const read = await fetch(`${second.url}/fhir/Patient/${id}`, { headers: await second.authorized() });
    t.equal(read.status, 200, 'the data survived the restart');
    t.equal(((await read.json()) as { name: Array<{ family: string }> }).name[0].family, 'Persistent');
    second.child.kill('SIGINT');
    t.equal(await second.exited, 0, 'exit code 0 on SIGINT');
  },
);

t.test(
  'request logs carry method, route, status and time, never ids, query values or bodies',
  { skip: engine !== 'pglite' && 'runs with the embedded database' },
  async (t) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'haven-log-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await startServerProcess({ DATA_DIR: dataDir });
    t.teardown(() => server.stop());
    const auth = await server.authorized();
    await fetch(`${server.url}/fhir/Patient/secret-id-123?name=SecretName`, { headers: auth });
    await fetch(`${server.url}/fhir/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...auth },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'SecretFamily' }] }),
    });
    await new Promise((r) => setTimeout(r, 200));
    const log = server.output();
    t.match(log, /"method":"GET","route":"\/fhir\/:type\/:id","status":404/);
    t.match(log, /"method":"POST","route":"\/fhir\/:type","status":201/);
    t.notMatch(log, /secret-id-123|SecretName|SecretFamily/);
  },
);

t.test('an unreachable database: the process says so and exits 1', async (t) => {
  const server = await startServerProcess({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' }, { waitReady: false });
  t.equal(await server.exited, 1);
  t.match(server.output(), /Haven could not start/);
});
