// Advisory locks for work that must run once across all Haven instances sharing a database.
import type { Database } from './db.js';

/**
 * Runs fn while holding the session advisory lock named `name`, or returns undefined at once when
 * another session holds it (another instance is doing the work). On PGlite every caller shares the
 * one session, so the lock only guards against other processes, of which PGlite allows none.
 */
export async function withExclusiveJob<T>(db: Database, name: string, fn: (session: Database) => Promise<T>): Promise<T | undefined> {
  return db.withSession(async (session) => {
    const { rows } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [name]);
    if (!rows[0]?.locked) return undefined;
    try {
      return await fn(session);
    } finally {
      await session.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]);
    }
  });
}
