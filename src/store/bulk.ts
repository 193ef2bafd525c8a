// Bulk writes: N new resources (version 1) with their history and index rows in ONE statement.
// Used by transaction Bundles of many creates (ResourceStore.createMany), by the benchmark's data
// loader and by tests that need thousands of resources; the same extraction as single writes, so
// the index is identical.
import { newResourceId } from './ids.js';
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from './db.js';
import type { IndexEntry, ResourceIndexer } from './indexer.js';
import { stamp, type StoredVersion, type WriteMethod } from './version.js';
import { Statement } from './statement.js';

export interface BulkItem {
  resource: Resource;
  /** Defaults to a new UUID. */
  id?: string;
  lastUpdated?: Date;
  method?: WriteMethod;
}

export interface BulkInsert {
  sql: string;
  params: unknown[];
  versions: StoredVersion[];
}

/**
 * The statement that creates every item as version 1 (ids must be new: a taken id fails the whole
 * statement). Returns the stored versions it will write, in input order.
 */
export function buildBulkInsert(
  indexer: ResourceIndexer,
  items: BulkItem[],
  now: Date = new Date(),
  /** Called with each resource's compartments before anything is written (access checks). */
  check?: (compartments: string[], document: Resource, index: number) => void,
): BulkInsert {
  const stmt = new Statement();
  const types: string[] = [];
  const ids: string[] = [];
  const times: string[] = [];
  const contents: string[] = [];
  const compartments: string[] = [];
  const methods: string[] = [];
  const entries: IndexEntry[] = [];
  const versions: StoredVersion[] = [];
  for (const [index, item] of items.entries()) {
    const id = item.id ?? newResourceId();
    const lastUpdated = item.lastUpdated ?? now;
    const { document, json } = stamp(item.resource, id, 1, lastUpdated);
    const entry = indexer.extract(document);
    check?.(entry.compartments, document, index);
    types.push(document.resourceType);
    ids.push(id);
    times.push(lastUpdated.toISOString());
    contents.push(json);
    compartments.push(JSON.stringify(entry.compartments));
    methods.push(item.method ?? 'POST');
    entries.push(entry);
    versions.push({ resourceType: document.resourceType, id, versionId: 1, lastUpdated, deleted: false, json });
  }
  stmt.with(
    'input',
    `SELECT * FROM unnest(${stmt.param(types)}::text[], ${stmt.param(ids)}::text[], ${stmt.param(times)}::timestamptz[],
        ${stmt.param(contents)}::text[], ${stmt.param(compartments)}::text[], ${stmt.param(methods)}::text[])
      WITH ORDINALITY AS i(resource_type, id, last_updated, content, compartments, method, ord)`,
  );
  stmt.with(
    'written',
    `INSERT INTO resource (resource_type, id, version_id, last_updated, content, compartments)
      SELECT resource_type, id, 1, last_updated, content, ARRAY(SELECT json_array_elements_text(compartments::json)) FROM input ORDER BY ord
      RETURNING rid, resource_type, id`,
  );
  stmt.with(
    'history',
    `INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method, content, compartments)
      SELECT resource_type, id, 1, last_updated, false, method, content, ARRAY(SELECT json_array_elements_text(compartments::json)) FROM input`,
  );
  stmt.with('written_ord', 'SELECT i.ord, w.rid FROM written w JOIN input i ON i.resource_type = w.resource_type AND i.id = w.id');
  indexer.addBulkIndexWrites(stmt, 'SELECT ord, rid FROM written_ord', entries);
  return { sql: stmt.build('SELECT count(*)::int AS n FROM written'), params: stmt.params, versions };
}

/** Creates the items in chunks of `chunkSize`, one statement per chunk (call inside a transaction for all-or-nothing). */
export async function bulkCreate(q: Queryable, indexer: ResourceIndexer, items: BulkItem[], chunkSize = 1000): Promise<StoredVersion[]> {
  const versions: StoredVersion[] = [];
  for (let at = 0; at < items.length; at += chunkSize) {
    const insert = buildBulkInsert(indexer, items.slice(at, at + chunkSize));
    await q.query(insert.sql, insert.params);
    versions.push(...insert.versions);
  }
  return versions;
}
