// WORKERS=2: Haven as two processes on one port, over one PostgreSQL database. Nothing correctness
// needs may live in one worker's memory: a client revoked through one worker is refused by both at
// once (each had its token verified and remembered before), and SIGTERM stops both with exit 0.
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { testApp } from '../helpers/app.js';
import { engine } from '../helpers/database.js';
import { startServerProcess } from '../helpers/server-process.js';

/** The pids that logged a response with this status (the request log: one line per answer). */
function pidsAnswering(output: string, status: number): Set<number> {
  const pids = new Set<number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { pid?: number; msg?: string; status?: number };
    if (entry.msg === 'request' && entry.status === status && entry.pid) pids.add(entry.pid);
  }
  return pids;
}

t.test('WORKERS with the embedded database is refused at start-up, auto is one process', async (t) => {
  t.throws(() => loadConfig({ WORKERS: '2' }), /WORKERS=2 needs DATABASE_URL/);
  t.equal(loadConfig({ WORKERS: 'auto' }).workers, 1);
  t.equal(loadConfig({}).workers, 1);
  t.ok(loadConfig({ WORKERS: 'auto', DATABASE_URL: 'postgres://x/y' }).workers >= 1);
  t.throws(() => loadConfig({ WORKERS: 'many', DATABASE_URL: 'postgres://x/y' }), /WORKERS must be a whole number/);
});

t.test(
  'two workers on one port: a client revoked through one is refused by both; SIGTERM exits 0',
  { skip: engine !== 'postgres' && 'needs a PostgreSQL server (DATABASE_URL)' },
  async (t) => {
    const { databaseUrl } = await testApp(t);
    const server = await startServerProcess({ DATABASE_URL: databaseUrl as string, WORKERS: '2' });
    t.teardown(() => server.stop());
    // Each request on a connection of its own: the primary hands connections to the workers in turn.
    const call = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
      const res = await fetch(`${server.url}${path}`, { method, headers: { connection: 'close', ...headers }, body });
      return { status: res.status, json: (await res.json().catch(() => undefined)) as Record<string, unknown> };
    };
    const ready = /"msg":"Haven is ready"/g;
    for (let i = 0; i < 100 && (server.output().match(ready)?.length ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 100));
    t.equal(server.output().match(ready)?.length, 2, 'two workers are ready');

    const admin = await server.authorized('admin');
    const { privateKey, publicKey } = await generateKeyPair('RS384');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS384' };
    const registered = await call(
      'POST',
      '/auth/register',
      { ...admin, 'content-type': 'application/json' },
      JSON.stringify({ client_name: 'feed', scope: 'system/Patient.rs', jwks: { keys: [jwk] } }),
    );
    t.equal(registered.status, 201);
    const clientId = registered.json.client_id as string;
    // The audience of an assertion is the token endpoint as the server names it (its BASE_URL).
    const tokenUrl = (await call('GET', '/fhir/.well-known/smart-configuration', {})).json.token_endpoint as string;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS384', kid: 'k1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(privateKey);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    const issued = await call('POST', '/auth/token', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    t.equal(issued.status, 200, 'a token for the client');
    const bearer = { authorization: `Bearer ${issued.json.access_token as string}` };

    const before = await Promise.all(Array.from({ length: 8 }, () => call('GET', '/fhir/Patient?_count=1', bearer)));
    t.same(
      before.map((r) => r.status),
      Array(8).fill(200),
      'accepted (and remembered) by the workers',
    );
    t.equal(pidsAnswering(server.output(), 200).size, 2, 'both workers answered');

    t.equal((await call('DELETE', `/auth/clients/${clientId}`, admin)).status, 204, 'revoked through one worker');
    const after = await Promise.all(Array.from({ length: 8 }, () => call('GET', '/fhir/Patient?_count=1', bearer)));
    t.same(
      after.map((r) => r.status),
      Array(8).fill(401),
      'refused at once, whichever worker answers',
    );
    t.equal(pidsAnswering(server.output(), 401).size, 2, 'both workers refused it');

    // A request in flight when SIGTERM comes is answered; then every worker and the primary exit 0.
    const inFlight = fetch(`${server.url}/fhir/Patient?_count=1`, { headers: await server.authorized('system/*.rs') });
    await new Promise((r) => setTimeout(r, 20));
    const stopped = Date.now();
    const exit = server.stop();
    t.equal((await inFlight).status, 200, 'the request in flight is answered');
    t.equal(await exit, 0, 'exit 0 on SIGTERM');
    t.ok(Date.now() - stopped < 10_000, 'within 10 s');
    t.notMatch(server.output(), /"level":(50|60)/, 'no errors logged');
  },
);
