// Starts Haven as a real process (node --import tsx src/main.ts), for tests of start-up, signals,
// restarts and several instances on one database.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { cliToken } from './cli-token.js';

export interface ServerProcess {
  url: string;
  /** The environment the server runs with (what `haven token` needs to sign for it). */
  env: Record<string, string | undefined>;
  /** An access token this server accepts, from `haven token` run with its environment. */
  token(scope?: string): Promise<string>;
  /** Headers with a bearer token of `scope` (default system/*.cruds). */
  authorized(scope?: string): Promise<Record<string, string>>;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
}

export async function startServerProcess(env: Record<string, string>, options: { waitReady?: boolean } = {}): Promise<ServerProcess> {
  const { DATABASE_URL: _inherited, ...parentEnv } = process.env;
  const serverEnv = { ...parentEnv, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(packageRoot, 'src', 'main.ts')], {
    cwd: packageRoot,
    env: serverEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const check = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const token = (scope = 'system/*.cruds') => cliToken(serverEnv, scope);
  const server: ServerProcess = {
    url,
    env: serverEnv,
    token,
    authorized: async (scope) => ({ authorization: `Bearer ${await token(scope)}` }),
    child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  if (options.waitReady !== false) await waitReady(server);
  return server;
}

export async function waitReady(server: ServerProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${server.url}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not accepting yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready in time:\n${server.output()}`);
}
