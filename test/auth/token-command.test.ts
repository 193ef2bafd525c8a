// `npx haven token --scope "system/*.rs"` works while the server runs (CONTRACT, Authorization): on
// the embedded database, whose single-process lock the command must not need, and on PostgreSQL
// with the keys kept in the database.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../src/paths.js';
import { cliToken } from '../helpers/cli-token.js';
import { createPostgresDatabase, engine } from '../helpers/database.js';
const BASE_URL = 'http://haven-cli.test';

t.test(`haven token while the server runs (${engine === 'pglite' ? 'embedded database, keys in DATA_DIR' : 'PostgreSQL, keys in the database'})`, async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'haven-cli-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', BASE_URL, LOG_LEVEL: 'info' } as Record<
    string,
    string
  >;
  delete env.DATABASE_URL;
  delete env.KEYS_DIR;
  if (engine === 'postgres') env.DATABASE_URL = await createPostgresDatabase(t);

  const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: packageRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  t.teardown(async () => {
    if (server.exitCode === null) server.kill('SIGTERM');
    await exited;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    server.once('exit', () => reject(new Error(`server exited: ${out}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const health = await fetch(`${base}/healthz`).catch(() => undefined);
    if (health?.status === 200) break;
    if (i > 600) throw new Error('server did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }

  const token = await cliToken(env, 'system/*.rs');
  t.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'one JWT on stdout');
  const history = await fetch(`${base}/fhir/_history`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(history.status, 200, 'the running server accepts it');
  const write = await fetch(`${base}/fhir/Patient`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Patient' }),
  });
  t.equal(write.status, 403, 'and holds it to its scope');

  const patient = await cliToken(env, 'patient/*.rs', ['--patient', 'a', '--fhir-user', 'Patient/a', '--ttl', '60']);
  const claims = JSON.parse(Buffer.from(patient.split('.')[1], 'base64url').toString());
  t.match(claims, { scope: 'patient/*.rs', patient: 'a', fhirUser: 'Patient/a', aud: `${BASE_URL}/fhir`, iss: `${BASE_URL}/fhir` });
  t.equal(claims.exp - claims.iat, 60);

  await t.rejects(cliToken(env, 'system/*.dus'), { code: 2 }, 'a malformed scope exits 2');

  server.kill('SIGTERM');
  t.equal(await exited, 0, 'the server still stops cleanly');
});
