// WORKERS > 1: Haven as several processes on one port (node:cluster). The primary only forks,
// supervises and relays signals; each worker is a whole Haven (its own pool, migrations under the
// advisory lock, background workers under their leases and locks) that shares nothing in memory
// that correctness needs: token revocation, client revocation and key rotation are read from the
// database on every request (src/auth/tokens.ts), login throttling lives in the database
// (src/oauth/throttle.ts), background jobs take leases or advisory locks, as several instances do.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.js';
import { serveUntilSignal } from './server.js';

/** Past this the primary kills what is left: within the contract's 10 s (the workers drain for 8). */
const STOP_DEADLINE_MS = 9500;
/** A worker that dies this soon after it was forked is failing to start, not crashing while serving. */
const EARLY_EXIT_MS = 10_000;

/** `npm start` / `haven serve`: one process, or a primary with config.workers workers. */
export async function serve(config: Config): Promise<void> {
  if (config.workers > 1 && cluster.isPrimary) return supervise(config.workers);
  return serveUntilSignal(config);
}

/**
 * Forks the workers and keeps them running: a worker that dies while serving is replaced; one that
 * dies while starting (bad database, migration failure) stops the whole server with exit 1, since
 * its replacements would fail the same way. SIGTERM / SIGINT are relayed to every worker, each stops
 * gracefully (in-flight requests finish), and the primary exits 0 once all have exited 0.
 */
function supervise(count: number): Promise<void> {
  const log = (message: string) => console.error(JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, msg: message }));
  const forkedAt = new Map<Worker, number>();
  let stopping = false;
  let failed = false;
  const fork = () => forkedAt.set(cluster.fork(), Date.now());

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping ${forkedAt.size} workers`);
    for (const worker of forkedAt.keys()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of forkedAt.keys()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  cluster.on('exit', (worker, code, signal) => {
    const started = forkedAt.get(worker) ?? 0;
    forkedAt.delete(worker);
    if (stopping) {
      if (code !== 0) failed = true;
      if (forkedAt.size === 0) process.exit(failed ? 1 : 0);
      return;
    }
    if (Date.now() - started < EARLY_EXIT_MS) {
      log(`worker ${worker.process.pid} exited with ${code ?? signal} while starting: stopping`);
      failed = true;
      stop('SIGTERM');
      if (forkedAt.size === 0) process.exit(1);
      return;
    }
    log(`worker ${worker.process.pid} exited with ${code ?? signal}: starting another`);
    fork();
  });
  log(`starting ${count} workers`);
  for (let i = 0; i < count; i++) fork();
  return new Promise<void>(() => undefined); // the primary lives until it exits from a handler above
}
