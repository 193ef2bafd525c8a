// Audit records of the bulk steps that return no resources themselves: the kick-off and each file
// download. (The resources of an export are recorded when the worker reads them, by the store's
// search statements, under the client's name.) The same CTE the store's reads use, with nothing
// returned, so the record carries the actor and the query and nothing about any patient.
import { addAccessAudit } from '../audit.js';
import type { Actor } from '../context.js';
import type { Queryable } from '../db.js';
import { Statement } from '../statement.js';

export async function recordBulkEvent(db: Queryable, actor: Actor, query: string): Promise<void> {
  const stmt = new Statement();
  stmt.with(
    'returned',
    'SELECT NULL::text AS resource_type, NULL::text AS id, NULL::integer AS version_id, false AS deleted, NULL::text[] AS compartments WHERE false',
  );
  addAccessAudit(stmt, actor, 'returned', { interaction: 'search-system', query: query.slice(0, 2000) });
  await db.query(stmt.build('SELECT 1'), stmt.params);
}
