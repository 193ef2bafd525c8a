// Re-indexing: recompute the index rows and compartments of stored resources with the parameters
// in force now (after new SearchParameters, a changed TZ_DEFAULT, or an upgrade), in rid batches of
// one statement each. Client-defined SearchParameters stored through the API become active for a
// type when that type has been re-indexed with them.
import type { SearchParameter } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../db.js';
import { Statement } from '../statement.js';
import type { SearchEngine } from './engine.js';
import { addRowInserts, addRowRemovals } from './writer.js';

export interface ReindexReport {
  resources: number;
  types: string[];
}

/** The client-defined SearchParameters a reindex activated, to load at start. */
export async function activeSearchParameters(db: Queryable): Promise<SearchParameter[]> {
  const { rows } = await db.query<{ resource_type: string; definition: string }>(
    'SELECT resource_type, definition FROM search_parameter_active ORDER BY url, resource_type',
  );
  // Each row activates the parameter for one type: the definition's base narrowed to that type.
  return rows.map((r) => ({ ...(JSON.parse(r.definition) as SearchParameter), base: [r.resource_type] as SearchParameter['base'] }));
}

/** The SearchParameter resources stored through the API (current, not deleted, not retired). */
export async function storedSearchParameters(db: Queryable): Promise<SearchParameter[]> {
  const { rows } = await db.query<{ content: string }>(`SELECT content FROM resource WHERE resource_type = 'SearchParameter' AND NOT deleted ORDER BY rid`);
  return rows.map((r) => JSON.parse(r.content) as SearchParameter).filter((sp) => sp.status !== 'retired' && sp.expression && sp.code);
}

/**
 * Re-indexes every resource of `types` (all types when empty) with `engine`, and records the stored
 * SearchParameters of those types as active. Build `engine` with `storedSearchParameters` as its
 * custom parameters so they are indexed.
 */
export async function reindex(
  db: Database,
  engine: SearchEngine,
  options: { types?: string[]; custom?: SearchParameter[]; batchSize?: number; log?: (message: string) => void } = {},
): Promise<ReindexReport> {
  const batchSize = options.batchSize ?? 500;
  const types = options.types?.length ? options.types : [...engine.model.resourceTypes];
  let total = 0;
  for (const type of types) {
    let after = 0;
    let count = 0;
    for (;;) {
      const done = await db.transaction(
        async (tx) => {
          const { rows } = await tx.query<{ rid: number; content: string }>(
            `SELECT rid, content FROM resource WHERE resource_type = $1 AND NOT deleted AND rid > $2 ORDER BY rid LIMIT $3 FOR UPDATE`,
            [type, after, batchSize],
          );
          if (!rows.length) return true;
          const entries = rows.map((r) => engine.indexer.extract(JSON.parse(r.content)));
          const stmt = new Statement();
          const rids = stmt.param(rows.map((r) => r.rid));
          stmt.with('batch', `SELECT rid, ord FROM unnest(${rids}::bigint[]) WITH ORDINALITY AS b(rid, ord)`);
          addRowRemovals(stmt, 'idx_del', 'SELECT rid FROM batch');
          addRowInserts(
            stmt,
            'idx',
            'SELECT ord, rid FROM batch',
            entries.map((e) => e.rows),
          );
          stmt.with(
            'compartments',
            `UPDATE resource r SET compartments = ARRAY(SELECT json_array_elements_text(c.list::json))
            FROM unnest(${rids}::bigint[], ${stmt.param(entries.map((e) => JSON.stringify(e.compartments)))}::text[]) AS c(rid, list)
            WHERE r.rid = c.rid`,
          );
          await tx.query(stmt.build('SELECT 1'), stmt.params);
          after = rows[rows.length - 1].rid;
          count += rows.length;
          return rows.length < batchSize;
          // Reindexing changes resource rows (their compartments): the audit trail requires an actor.
        },
        { settings: { 'haven.actor': JSON.stringify(REINDEX_ACTOR) } },
      );
      if (done) break;
    }
    total += count;
    if (count) options.log?.(`${type}: ${count} re-indexed`);
    await activate(
      db,
      type,
      (options.custom ?? []).filter((sp) => (sp.base as string[] | undefined)?.includes(type)),
    );
  }
  return { resources: total, types };
}

/** Who reindexes, as the audit trail's guard on changes to resource rows sees it. */
const REINDEX_ACTOR = { requestId: 'haven reindex', clientId: 'haven-reindex' };

async function activate(db: Queryable, type: string, params: SearchParameter[]): Promise<void> {
  await db.query('DELETE FROM search_parameter_active WHERE resource_type = $1', [type]);
  if (!params.length) return;
  await db.query(
    `INSERT INTO search_parameter_active (resource_type, url, definition)
       SELECT $1, u.url, u.definition FROM unnest($2::text[], $3::text[]) AS u(url, definition) ON CONFLICT DO NOTHING`,
    [type, params.map((p) => p.url ?? `urn:haven:search:${type}.${p.code}`), params.map((p) => JSON.stringify(p))],
  );
}
