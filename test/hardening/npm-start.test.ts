// `npm start` under a process manager (issue 13): SIGTERM or SIGINT to the npm process lets the
// requests in flight finish, closes the database and exits 0, npm's own exit status included, and
// leaves no process of its group behind (main let npm die at once and orphaned the server).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../src/paths.js';
import { cliToken } from '../helpers/cli-token.js';
import { createPostgresDatabase, engine } from '../helpers/database.js';

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

for (const [signal, args] of [
  ['SIGTERM', ['start']],
  // The build of the first run is fresh: this one skips prestart.
  ['SIGINT', ['start', '--ignore-scripts']],
] as const) {
  t.test(`npm ${args.join(' ')}, then ${signal} to npm: in-flight requests finish, exit 0, nothing left`, async (t) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'haven-npm-start-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const { DATABASE_URL: _inherited, ...parentEnv } = process.env;
    const env: Record<string, string | undefined> = { ...parentEnv, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir };
    if (engine === 'postgres') env.DATABASE_URL = await createPostgresDatabase(t);
    const npm = spawn('npm', [...args], { cwd: packageRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = npm.pid as number;
    t.teardown(() => {
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    });
    let output = '';
    npm.stdout.on('data', (c) => (output += c));
    npm.stderr.on('data', (c) => (output += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.once('exit', (code, sig) => resolve({ code, signal: sig })),
    );
    t.ok(await until(() => /Haven is ready/.test(output), 240_000), 'Haven started under npm');
    const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    const token = await cliToken(env, 'system/*.cruds');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' };
    // A batch long enough to be in flight when the signal comes.
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: Array.from({ length: 300 }, (_, i) => ({
        resource: { resourceType: 'Basic', code: { text: `in flight ${i}` } },
        request: { method: 'POST', url: 'Basic' },
      })),
    };
    const inFlight = fetch(`${url}/fhir`, { method: 'POST', headers, body: JSON.stringify(batch) }).then(async (r) => ({
      status: r.status,
      body: await r.text(),
    }));
    await new Promise((r) => setTimeout(r, 150));
    process.kill(pgid, signal);
    const answer = await inFlight;
    t.equal(answer.status, 200, 'the request in flight was answered');
    t.equal((JSON.parse(answer.body) as { entry: unknown[] }).entry.length, 300);
    const result = await exited;
    t.same(result, { code: 0, signal: null }, `npm itself exits 0 (${output.slice(-400)})`);
    t.ok(await until(() => !groupAlive(pgid), 10_000), 'no process of the group is left');
    t.match(output, /"msg":"stopping"/, 'Haven saw the signal');
    t.notMatch(output, /"level":(50|60)/, 'no errors logged');
  });
}
