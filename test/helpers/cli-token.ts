// An access token from `haven token`, for tests that talk to a Haven started as a process: run with
// the server's own environment (DATA_DIR or DATABASE_URL, BASE_URL, PORT), it signs with that
// server's keys and names its audience.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/paths.js';

const run = promisify(execFile);

export async function cliToken(env: Record<string, string | undefined>, scope: string, args: string[] = []): Promise<string> {
  // An undefined value means "unset" (execFile would pass the text "undefined").
  const defined = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'token', '--scope', scope, ...args], { cwd: packageRoot, env: defined });
  return stdout.trim();
}
