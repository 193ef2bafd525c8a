// Notifications live in the database, not in a process: after a SIGKILL and a restart what was
// committed is delivered; two server instances on one PostgreSQL deliver each notification once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { engine } from '../helpers/database.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { FAST, observation, restHook } from './kit.js';
import { pause, startReceiver, waitFor } from './receiver.js';

/** Where a server process keeps its data: a fresh PGlite directory, or a fresh PostgreSQL database. */
async function storage(t: { teardown(fn: () => unknown): void }): Promise<Record<string, string>> {
  if (engine === 'postgres') {
    const { databaseUrl } = await testApp(t);
    return { DATABASE_URL: databaseUrl as string };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'haven-subscriptions-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { DATA_DIR: dir };
}

async function post(server: ServerProcess, path: string, body: unknown) {
  const response = await fetch(`${server.url}/fhir/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', ...(await server.authorized()) },
    body: JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, json: (await response.json()) as any };
}

t.test('a notification committed before a SIGKILL is delivered after the restart', async (t) => {
  const receiver = await startReceiver(t);
  // The first server tries (and fails) while the receiver is down. FAST's four attempts 20 ms apart
  // would turn the Subscription `error` within the pause on a quick machine, and then nothing is
  // due after the restart; this test is about the restart, so attempts here do not run out.
  const env = { ...(await storage(t)), ...FAST, SUBSCRIPTION_RETRY_MS: '100', SUBSCRIPTION_MAX_ATTEMPTS: '100', SUBSCRIPTION_ORIGINS: receiver.origin };
  await receiver.down();
  const first = await startServerProcess(env);
  t.teardown(() => first.stop());
  const sub = await post(first, 'Subscription', restHook(receiver, 'Observation?patient=Patient/p1'));
  t.equal(sub.status, 201);
  const created = await post(first, 'Observation', observation('p1'));
  t.equal(created.status, 201);
  await pause(200);
  first.child.kill('SIGKILL');
  await first.exited;
  await receiver.up();
  const second = await startServerProcess(env);
  t.teardown(() => second.stop());
  await waitFor(() => receiver.received.length >= 1, 'the delivery after restart', 60_000);
  await pause(300);
  t.same(
    receiver.received.map((r) => JSON.parse(r.body).id),
    [created.json.id],
    'delivered once',
  );
});

t.test(
  'two server instances on one PostgreSQL deliver each notification once',
  { skip: engine !== 'postgres' && 'needs a PostgreSQL server (DATABASE_URL)' },
  async (t) => {
    const receiver = await startReceiver(t);
    const env = { ...(await storage(t)), ...FAST, SUBSCRIPTION_ORIGINS: receiver.origin };
    const servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    t.teardown(() => Promise.all(servers.map((s) => s.stop())));
    const sub = await post(servers[0], 'Subscription', restHook(receiver, 'Observation?patient=Patient/p1'));
    t.equal(sub.status, 201);
    const created = await Promise.all(Array.from({ length: 40 }, (_, i) => post(servers[i % 2], 'Observation', observation('p1', i))));
    t.ok(created.every((c) => c.status === 201));
    await waitFor(() => receiver.received.length >= 40, '40 deliveries', 60_000);
    await pause(500);
    const ids = receiver.received.map((r) => JSON.parse(r.body).id);
    t.equal(ids.length, 40, 'no notification sent twice');
    t.same(new Set(ids), new Set(created.map((c) => c.json.id)));
  },
);
