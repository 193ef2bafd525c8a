// What an export asks of the database besides its searches: which types have rows at all, and
// whether transactions older than the export's transaction time are still running.
import type { Queryable } from '../db.js';

/**
 * The resource types that have any rows: a loose scan of the (resource_type, id) index, one probe
 * per type. Type names only, nothing of any resource.
 */
export async function storedTypes(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ resource_type: string }>(
    `WITH RECURSIVE t AS (
       (SELECT resource_type FROM resource ORDER BY resource_type LIMIT 1)
       UNION ALL
       SELECT (SELECT r.resource_type FROM resource r WHERE r.resource_type > t.resource_type ORDER BY r.resource_type LIMIT 1)
         FROM t WHERE t.resource_type IS NOT NULL)
     SELECT resource_type FROM t WHERE resource_type IS NOT NULL`,
  );
  return rows.map((r) => r.resource_type);
}

/** How many other sessions are inside a transaction that began before `horizon` (PostgreSQL only: pg_stat_activity). */
export async function transactionsStartedBefore(q: Queryable, horizon: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        AND state <> 'idle' AND xact_start < $1`,
    [horizon],
  );
  return rows[0]?.n ?? 0;
}
