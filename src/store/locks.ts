// Advisory locks for work that must run once across all Haven instances sharing a database.
import type { Database } from './db.js';

/** Jobs running in this process, per database: on PGlite's single session an advisory lock is re-entrant. */
const running = new WeakMap<Database, Set<string>>();

/**
 * Runs fn while holding the session advisory lock named `name`, or returns undefined at once when
 * another session (another instance) or another caller in this process is doing the work.
 */
export async function withExclusiveJob<T>(db: Database, name: string, fn: (session: Database) => Promise<T>): Promise<T | undefined> {
  const here = running.get(db) ?? new Set<string>();
  running.set(db, here);
  if (here.has(name)) return undefined;
  here.add(name);
  try {
    return await db.withSession(async (session) => {
      const { rows } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [name]);
      if (!rows[0]?.locked) return undefined;
      try {
        return await fn(session);
      } finally {
        await session.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]);
      }
    });
  } finally {
    here.delete(name);
  }
}
