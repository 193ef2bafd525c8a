// The cheapest statement that proves the database answers (/healthz).
import type { Queryable } from './db.js';

export async function ping(q: Queryable): Promise<void> {
  await q.query('SELECT 1');
}
