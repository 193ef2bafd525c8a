// Opens the engine the configuration names. Apart from db.ts (the interface both engines
// implement), so that the engines can import the interface without importing their own factory.
import type { Database } from './db.js';

export async function openDatabase(options: { databaseUrl?: string; dataDir: string; poolSize?: number; statementTimeoutMs?: number }): Promise<Database> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(options.databaseUrl, options.poolSize ?? 10, { statementTimeoutMs: options.statementTimeoutMs });
  }
  const { openPglite } = await import('./pglite.js');
  return openPglite({ dataDir: options.dataDir, statementTimeoutMs: options.statementTimeoutMs });
}
