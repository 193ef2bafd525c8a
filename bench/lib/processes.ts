// Haven and the baseline server, each in a process of its own, on free ports of the loopback.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';

const run = promisify(execFile);

export interface ServerProcess {
  url: string;
  /** The package root it runs from (the working tree, or a --compare checkout). */
  root: string;
  pid: number;
  /** The environment the process runs with. */
  env: Record<string, string>;
  /** Peak resident set size so far, in MB (Linux: VmHWM). */
  peakRssMb(): number | undefined;
  stop(): Promise<void>;
}

/** How to run TypeScript entry points: the built JavaScript (npm run bench) or tsx (tests). */
export type Runner = 'built' | 'tsx';

/** Haven from the working tree, or from another checkout's package root (--compare). */
export function startHaven(runner: Runner, env: Record<string, string>, root = packageRoot): Promise<ServerProcess> {
  return start(runner, 'src/main', env, root);
}

export function startBaseline(runner: Runner, env: Record<string, string>): Promise<ServerProcess> {
  return start(runner, 'bench/baseline/server', env);
}

async function start(runner: Runner, entry: string, env: Record<string, string>, root = packageRoot): Promise<ServerProcess> {
  const port = await freePort();
  const args = runner === 'built' ? [path.join(root, 'dist', `${entry}.js`)] : ['--import', 'tsx', path.join(root, `${entry}.ts`)];
  const processEnv = { ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...processEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(url, child, () => stderr);
  return {
    url,
    root,
    env: processEnv,
    pid: child.pid as number,
    peakRssMb: () => peakRss(child.pid as number),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** An access token the Haven process accepts: `haven token` run with that process's environment. */
export async function havenToken(runner: Runner, haven: ServerProcess, scope: string): Promise<string> {
  const cli = runner === 'built' ? [path.join(haven.root, 'dist', 'src', 'cli.js')] : ['--import', 'tsx', path.join(haven.root, 'src', 'cli.ts')];
  const { stdout } = await run(process.execPath, [...cli, 'token', '--scope', scope], { cwd: haven.root, env: { ...process.env, ...haven.env } });
  return stdout.trim();
}

async function waitUntilServing(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}: ${stderr()}`);
    try {
      const health = await fetch(`${url}/healthz`);
      if (health.status === 200 || health.status === 404) return; // the baseline has no /healthz
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer from ${url}: ${stderr()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function peakRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
