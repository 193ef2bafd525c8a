// `npm run bench -- --compare BASE_REF`: the given commit checked out beside the working tree (a
// detached git worktree in a temporary directory), with its dependencies and its build, so that
// both Havens run from their own code against the same database in the same run.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/paths.js';
import type { Runner } from './processes.js';

const run = promisify(execFile);

export interface BaseBuild {
  /** The package root of the checked-out commit: its dist/, migrations/, node_modules. */
  root: string;
  /** What the report calls it: the ref as given and its short commit. */
  label: string;
  remove(): Promise<void>;
}

/**
 * Checks out `ref` in a temporary directory and makes it runnable: node_modules is a symlink to
 * the working tree's when both lockfiles are the same (seconds), else `npm ci` (minutes); then
 * `npm run build` when the runner is 'built' (tests run the TypeScript through tsx instead).
 */
export async function checkoutBase(ref: string, runner: Runner, log: (message: string) => void): Promise<BaseBuild> {
  const git = (...args: string[]) => run('git', ['-C', packageRoot, ...args], { maxBuffer: 16 * 1024 * 1024 });
  const commit = (
    await git('rev-parse', '--verify', `${ref}^{commit}`).catch(() => {
      throw new Error(`--compare: "${ref}" is not a commit of ${packageRoot}`);
    })
  ).stdout.trim();
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'haven-bench-base-')), 'haven');
  log(`checking out ${ref} (${commit.slice(0, 10)}) in ${root}`);
  await git('worktree', 'add', '--detach', root, commit);
  const remove = async () => {
    await git('worktree', 'remove', '--force', root).catch(() => undefined);
    rmSync(path.dirname(root), { recursive: true, force: true });
    await git('worktree', 'prune').catch(() => undefined);
  };
  try {
    const lock = (dir: string) => readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
    const npm = (...args: string[]) => run('npm', args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    if (existsSync(path.join(packageRoot, 'node_modules')) && lock(root) === lock(packageRoot)) {
      symlinkSync(path.join(packageRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    } else {
      log(`${ref}: its package-lock.json differs from the working tree's: npm ci`);
      await npm('ci', '--ignore-scripts', '--no-audit', '--no-fund');
    }
    if (runner === 'built') {
      log(`${ref}: npm run build`);
      await npm('run', 'build', '--silent');
      if (!existsSync(path.join(root, 'dist', 'src', 'main.js'))) throw new Error(`--compare: ${ref} built no dist/src/main.js`);
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { root, label: `${ref} (${commit.slice(0, 10)})`, remove };
}
