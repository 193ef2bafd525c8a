// `haven user add | list | disable | password`: passwords from standard input only, stored as
// scrypt hashes; a disabled user cannot sign in; the new password works, the old one not.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createPostgresDatabase, engine } from '../helpers/database.js';
import { packageRoot } from '../../src/paths.js';
import { openDatabase } from '../../src/store/open-database.js';
import { verifyPassword } from '../../src/oauth/password.js';

function haven(env: Record<string, string>, args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _inherited, ...parent } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: packageRoot, env: { ...parent, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  if (stdin !== undefined) child.stdin.end(stdin);
  else child.stdin.end();
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

t.test('haven user', async (t) => {
  const env: Record<string, string> = {};
  if (engine === 'postgres') {
    env.DATABASE_URL = await createPostgresDatabase(t);
  } else {
    const dir = mkdtempSync(path.join(tmpdir(), 'haven-user-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    env.DATA_DIR = dir;
  }
  const added = await haven(env, ['user', 'add', '--username', 'dr.lee', '--fhir-user', 'Practitioner/123'], 'first password 1\n');
  t.equal(added.code, 0, added.stderr);
  t.match(added.stdout, /added dr\.lee \(Practitioner\/123\)/);
  t.notMatch(added.stdout + added.stderr, /first password/, 'the password is never printed');
  t.equal((await haven(env, ['user', 'add', '--username', 'dr.lee', '--fhir-user', 'Practitioner/123'], 'another one 22\n')).code, 1, 'a duplicate');
  t.equal(
    (await haven(env, ['user', 'add', '--username', 'x', '--fhir-user', 'Organization/1'], 'long enough 1\n')).code,
    1,
    'only Practitioner, Patient, RelatedPerson',
  );
  t.equal((await haven(env, ['user', 'add', '--username', 'short', '--fhir-user', 'Patient/1'], 'short\n')).code, 1, 'a too short password');
  t.equal((await haven(env, ['user', 'add', '--username', 'p', '--fhir-user', 'Patient/1', '--password', 'x'], '')).code, 2, 'no password option');
  const changed = await haven(env, ['user', 'password', '--username', 'dr.lee'], 'second password 2\n');
  t.equal(changed.code, 0, changed.stderr);
  const disabled = await haven(env, ['user', 'disable', '--username', 'dr.lee'], undefined);
  t.equal(disabled.code, 0);
  const list = await haven(env, ['user', 'list'], undefined);
  t.match(list.stdout, /^dr\.lee\tPractitioner\/123\tdisabled /m);
  t.equal((await haven(env, ['user', 'disable', '--username', 'nobody'])).code, 1);

  const db = await openDatabase({ ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}), dataDir: env.DATA_DIR ?? '/nonexistent', poolSize: 1 });
  t.teardown(() => db.close());
  const { rows } = await db.query<{ password_hash: string }>("SELECT password_hash FROM oauth_user WHERE username = 'dr.lee'");
  t.match(rows[0].password_hash, /^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/, 'a scrypt hash with its parameters');
  t.equal((await verifyPassword('second password 2', rows[0].password_hash)).ok, true);
  t.equal((await verifyPassword('first password 1', rows[0].password_hash)).ok, false);
});
