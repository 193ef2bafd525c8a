// Version history, newest first, at instance, type and system level, paged by keyset so that pages
// never skip or repeat a version while other clients write. Each page is audited in its statement.
import { accessCondition, admitsContent, hasQueryRestrictions } from './access.js';
import { addAccessAudit, recordReturned, type AccessEvent, type AccessAuditOptions } from './audit.js';
import type { StoreContext } from './context.js';
import type { Queryable } from './db.js';
import type { StoredVersion, WriteMethod } from './resources.js';
import { Statement } from './statement.js';

export interface HistoryQuery {
  resourceType?: string;
  /** With resourceType: instance history. */
  id?: string;
  /** Only versions written at or after this instant (_since). */
  since?: Date;
  count: number;
  /** Continue after this entry (from the previous page's last entry). */
  after?: HistoryCursor;
  /** The request below the FHIR base (e.g. "Patient/1/_history?_count=10"), for the audit trail. */
  query?: string;
}

export interface HistoryCursor {
  lastUpdated: string;
  resourceType: string;
  id: string;
  versionId: number;
}

export interface HistoryEntry extends StoredVersion {
  method: WriteMethod;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Present when more entries follow. */
  next?: HistoryCursor;
}

interface HistoryRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  method: WriteMethod;
  content: string | null;
}

export async function readHistory(q: Queryable, ctx: StoreContext, query: HistoryQuery, audit: AccessAuditOptions = {}): Promise<HistoryPage> {
  const stmt = new Statement();
  const where: string[] = [accessCondition(ctx.access, 'h', stmt, { filters: 'checked-after' })];
  let order: string[];
  if (query.resourceType) where.push(`h.resource_type = ${stmt.param(query.resourceType)}`);
  if (query.resourceType && query.id !== undefined) {
    where.push(`h.id = ${stmt.param(query.id)}`);
    if (query.after) where.push(`h.version_id < ${stmt.param(query.after.versionId)}`);
    order = ['version_id'];
  } else if (query.resourceType) {
    if (query.after) {
      const a = query.after;
      where.push(`(h.last_updated, h.id, h.version_id) < (${stmt.param(a.lastUpdated)}::timestamptz, ${stmt.param(a.id)}, ${stmt.param(a.versionId)})`);
    }
    order = ['last_updated', 'id', 'version_id'];
  } else {
    if (query.after) {
      const a = query.after;
      where.push(
        `(h.last_updated, h.resource_type, h.id, h.version_id) < (${stmt.param(a.lastUpdated)}::timestamptz, ${stmt.param(a.resourceType)}, ${stmt.param(a.id)}, ${stmt.param(a.versionId)})`,
      );
    }
    order = ['last_updated', 'resource_type', 'id', 'version_id'];
  }
  if (query.since) where.push(`h.last_updated >= ${stmt.param(query.since.toISOString())}::timestamptz`);
  const descending = order.map((column) => `${column} DESC`).join(', ');
  // One row more than the page, to know whether a next page exists; only the page is audited.
  stmt.with(
    'page',
    `SELECT resource_type, id, version_id, last_updated, deleted, method, content, compartments
      FROM resource_history h WHERE ${where.join(' AND ')} ORDER BY ${descending} LIMIT ${stmt.param(query.count + 1)}`,
  );
  const event: AccessEvent = {
    interaction: query.id !== undefined ? 'history-instance' : query.resourceType ? 'history-type' : 'history-system',
    resourceType: query.resourceType,
    id: query.id,
    query: query.query,
  };
  // Under query restrictions the versions returned are known only after the check below: the audit
  // record follows it. Otherwise the page is audited by the statement that reads it.
  const restricted = hasQueryRestrictions(ctx.access);
  if (!restricted) {
    stmt.with('shown', `SELECT * FROM page ORDER BY ${descending} LIMIT ${stmt.param(query.count)}`);
    addAccessAudit(stmt, ctx.actor, 'shown', event, audit);
  }
  const sql = stmt.build(`SELECT resource_type, id, version_id, last_updated, deleted, method, content FROM page ORDER BY ${descending}`);
  const { rows } = await q.query<HistoryRow>(sql, stmt.params);
  const page = rows.slice(0, query.count);
  // Query restrictions are checked on each version: a page may come out shorter, and the cursor
  // still continues after the last version looked at.
  const entries = page
    .filter((row) => admitsContent(ctx.access, row.resource_type, row.content))
    .map((row): HistoryEntry => ({
      resourceType: row.resource_type,
      id: row.id,
      versionId: row.version_id,
      lastUpdated: row.last_updated,
      deleted: row.deleted,
      method: row.method,
      json: row.content,
    }));
  if (restricted) await recordReturned(q, ctx.actor, entries, event, audit);
  const last = page[page.length - 1];
  const next =
    rows.length > query.count && last
      ? { lastUpdated: last.last_updated.toISOString(), resourceType: last.resource_type, id: last.id, versionId: last.version_id }
      : undefined;
  return { entries, next };
}

/**
 * Whether `resourceType/id` has any version this caller may see. An instance history of an id
 * that does not exist, or that the caller may not see, answers 404 as a read does (an empty
 * history Bundle would tell the two apart from "exists, nothing since"). Not audited: nothing is returned.
 */
export async function historyExists(q: Queryable, ctx: StoreContext, resourceType: string, id: string): Promise<boolean> {
  const stmt = new Statement();
  const where = [
    `h.resource_type = ${stmt.param(resourceType)}`,
    `h.id = ${stmt.param(id)}`,
    accessCondition(ctx.access, 'h', stmt, { filters: 'checked-after' }),
  ];
  const restricted = hasQueryRestrictions(ctx.access);
  const sql = `SELECT resource_type, ${restricted ? 'content' : 'NULL AS content'} FROM resource_history h WHERE ${where.join(' AND ')}${restricted ? '' : ' LIMIT 1'}`;
  const { rows } = await q.query<{ resource_type: string; content: string | null }>(sql, stmt.params);
  return restricted ? rows.some((row) => admitsContent(ctx.access, row.resource_type, row.content)) : rows.length > 0;
}
