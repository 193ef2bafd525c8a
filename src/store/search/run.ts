// Runs a SearchRequest: one statement for the page of matches (keyset-paged), one per include
// round, and a count only when the client asked for a total. Every statement applies the caller's
// access rule to every resource it returns or counts.
import { accessCondition, type FilterCompiler } from '../access.js';
import { addAccessAudit, type AccessEvent } from '../audit.js';
import type { Access, RelatedAccess } from '../context.js';
import { FhirError } from '../../errors.js';
import type { QueryOptions, QueryResult, Queryable } from '../db.js';
import { dbFailure } from '../db-errors.js';
import { Statement } from '../statement.js';
import { ConditionCompiler, tableOf } from './compile.js';
import { patientKey } from './compartments.js';
import { toFound, type FoundResource, type ResourceRow } from './found.js';
import { includes } from './include.js';
import type { SearchAudit } from './search-audit.js';
import { keysetCondition } from './keyset.js';
import { typeOf } from './types/index.js';
import type { DateValue, SearchCursor, SearchRequest, SortKey } from './request.js';

export type { FoundResource } from './found.js';

export interface SearchResult {
  matches: FoundResource[];
  included: FoundResource[];
  total?: number;
  /** Cursor of the next page, when there is one. */
  next?: SearchCursor;
  /** Cursor of the previous page, when there is one. */
  previous?: SearchCursor;
  /** True when more included resources existed than were returned. */
  includesTruncated: boolean;
}

interface MatchRow extends ResourceRow {
  [key: `c${number}`]: string | null;
}

/**
 * One page of `request` as the caller with `access` may see it. `filters` compiles the query
 * restrictions of access rules (SearchEngine.filters); without it such rules admit nothing.
 */
export async function runSearch(
  db: Queryable,
  access: Access,
  request: SearchRequest,
  filters?: FilterCompiler,
  related: RelatedAccess = { include: access, chain: access },
  audit?: SearchAudit,
): Promise<SearchResult> {
  const q = badValuesAs400(db);
  const result: SearchResult = { matches: [], included: [], includesTruncated: false };
  if (request.total !== 'none' || request.countOnly)
    result.total = await countMatches(q, access, request, request.total === 'estimate' && !request.countOnly, filters, related.chain);
  if (request.countOnly || request.count === 0) {
    // Nothing returned but the count: the search is recorded with no resources.
    if (audit) await recordEmptySearch(q, audit);
    return result;
  }

  const page = await matchPage(q, access, request, filters, related.chain, audit);
  result.matches = page.rows;
  result.next = page.next;
  result.previous = page.previous;
  if (request.includes.length && page.rows.length) {
    const inc = await includes(q, related.include, request, page.rows, filters, audit);
    result.included = inc.found;
    result.includesTruncated = inc.truncated;
  }
  return result;
}

/** How the audit trail describes a search: its interaction, its one type if any, the query as run. */
export function searchAuditEvent(request: SearchRequest, query?: string): AccessEvent {
  return {
    interaction: request.types.length === 1 ? 'search-type' : 'search-system',
    ...(request.types.length === 1 ? { resourceType: request.types[0] } : {}),
    ...(query !== undefined ? { query } : {}),
  };
}

async function recordEmptySearch(q: Queryable, audit: SearchAudit): Promise<void> {
  const stmt = new Statement();
  stmt.with(
    'returned',
    'SELECT NULL::text AS resource_type, NULL::text AS id, NULL::integer AS version_id, false AS deleted, NULL::text[] AS compartments WHERE false',
  );
  addAccessAudit(stmt, audit.actor, 'returned', audit.event, audit.options);
  await q.query(stmt.build('SELECT 1'), stmt.params);
}

/**
 * A search's values come from the client; one PostgreSQL cannot use (a cursor's sort value that is
 * no date, a number out of range) is the client's mistake: 400, not 500.
 */
function badValuesAs400(q: Queryable): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      try {
        return await q.query<R>(sql, params, options);
      } catch (error) {
        if (dbFailure(error) === 'invalid-input')
          throw FhirError.badRequest('invalid-search-value', 'A search value cannot be used here (out of range or of the wrong kind)');
        throw error;
      }
    },
  };
}

/**
 * FROM/WHERE of the matches of a request (alias r). With `drive`, one criterion becomes the join the
 * statement starts from and the others per-row probes (on the driving row's rid, before the resource
 * row is read):
 * - a date window within one patient's compartment (search_date_pat: only the patient's rows inside
 *   the window, whatever the order: a page costs what the window holds, not the patient's history);
 * - else, in the default rid order, a token within one patient's compartment (search_token_pat: the
 *   patient's rows with that code, in rid order, so the page stops after `_count` matches);
 * - else a single reference (search_reference: e.g. all of one patient's Observations);
 * - else a single system|code token (search_token).
 * The rid-ordered drivers have at most one index row per resource, so the join cannot repeat a
 * match; the window's rows are made distinct first (a resource may have several dates).
 */
function matchesFrom(
  stmt: Statement,
  access: Access,
  request: SearchRequest,
  filters: FilterCompiler | undefined,
  chainAccess: Access,
  drive?: 'rid' | 'sorted',
): { from: string; driven: boolean } {
  // The compiler applies its access to the resources chains and _has reach; `access` is the
  // matches' own, applied below.
  const compiler = new ConditionCompiler(stmt, chainAccess, filters);
  const where = ['NOT r.deleted', accessCondition(access, 'r', stmt, { filters })];
  if (request.types.length === 1) where.unshift(`r.resource_type = ${stmt.param(request.types[0])}`);
  else if (request.types.length > 1) where.unshift(`r.resource_type = ANY(${stmt.param(request.types)}::text[])`);
  const criteria = request.criteria;
  // A caller confined to one patient's compartment searches within it whatever the criteria say.
  const scope = request.patientScope ?? singlePatient(access);
  let driver = -1;
  let kind: 'date-pat' | 'token-pat' | 'reference' | 'token' | undefined;
  const window = scope && drive ? criteria.findIndex((c) => c.kind === 'date' && c.values.every((v) => v.prefix !== 'ne')) : -1;
  if (window >= 0) [driver, kind] = [window, 'date-pat'];
  else if (drive === 'rid') {
    const token = criteria.findIndex(isSingleToken);
    const reference = criteria.findIndex((c) => c.kind === 'reference' && c.refs.length === 1);
    if (scope && token >= 0) [driver, kind] = [token, 'token-pat'];
    else if (reference >= 0) [driver, kind] = [reference, 'reference'];
    else if (token >= 0) [driver, kind] = [token, 'token'];
  }
  let from = 'resource r';
  if (kind) {
    compiler.probe = true;
    compiler.ridAlias = 'd';
  }
  criteria.forEach((c, i) => {
    if (i !== driver) {
      where.push(compiler.criterion(c, 'r'));
    } else if (kind === 'date-pat' && c.kind === 'date') {
      // The window's rows answer the date criterion exactly (they are the resource's date rows);
      // UNION makes each rid appear once, OFFSET 0 keeps it a subquery the probes then filter.
      const pat = stmt.param(patientKey(scope as string));
      const key = stmt.param(c.param.key);
      const branches = c.values.flatMap((v) =>
        windowBounds(v, 'w', stmt).map(
          (bound) =>
            `SELECT w.rid FROM search_date_pat w WHERE w.pat = ${pat}::bigint AND w.param = ${key} AND ${bound ? `${bound} AND ` : ''}${compiler.dateValue(v, 'w.low', 'w.high')}`,
        ),
      );
      from = `(SELECT u.rid FROM (${branches.join(' UNION ')}) u OFFSET 0) d JOIN resource r ON r.rid = d.rid`;
    } else if (kind === 'reference' && c.kind === 'reference') {
      from = 'search_reference d JOIN resource r ON r.rid = d.rid';
      where.push(`d.param = ${stmt.param(c.param.key)}`, `d.ref = ${stmt.param(c.refs[0])}`);
    } else if (c.kind === 'token') {
      const table = kind === 'token-pat' ? 'search_token_pat' : 'search_token';
      from = `${table} d JOIN resource r ON r.rid = d.rid`;
      if (kind === 'token-pat') where.push(`d.pat = ${stmt.param(patientKey(scope as string))}::bigint`);
      where.push(`d.param = ${stmt.param(c.param.key)}`, compiler.tokenValue(c.values[0], 'd'));
    }
  });
  return { from: `FROM ${from} WHERE ${where.join(' AND ')}`, driven: kind !== undefined };
}

/** "Patient/x" when the access rule admits only the compartment of one patient. */
function singlePatient(access: Access): string | undefined {
  if (access.kind !== 'compartments' || access.compartments.length !== 1) return undefined;
  return access.compartments[0].startsWith('Patient/') ? access.compartments[0] : undefined;
}

/**
 * Conditions (alias `w`) that between them cover every match of a date value, each a range of one
 * of search_date_pat's indexes after (pat, param); each is ANDed with the value's own test, so every
 * branch is exact and their union is the value's matches. A match of `ge` ends after the searched
 * range or starts within it; a match of `le` starts before it or ends within it (dateSql). The other
 * prefixes' tests are comparisons an index already bounds (no extra condition: ''). `ne` has no
 * window (never asked here).
 */
function windowBounds(v: DateValue, w: string, stmt: Statement): string[] {
  const ts = (ms: number) => `${stmt.param(new Date(ms).toISOString())}::timestamptz`;
  switch (v.prefix) {
    case 'ge':
      return [`${w}.high > ${ts(v.high)}`, `${w}.low >= ${ts(v.low)}`];
    case 'le':
      return [`${w}.low < ${ts(v.low)}`, `${w}.high <= ${ts(v.high)}`];
    default:
      return [''];
  }
}

/** A token criterion with one value that names its code and its system (or "no system"). */
function isSingleToken(c: SearchRequest['criteria'][number]): boolean {
  return c.kind === 'token' && !c.not && c.values.length === 1 && c.values[0].system !== undefined && c.values[0].code !== undefined;
}

async function countMatches(
  q: Queryable,
  access: Access,
  request: SearchRequest,
  estimate: boolean,
  filters: FilterCompiler | undefined,
  chainAccess: Access,
): Promise<number> {
  const stmt = new Statement();
  const { from } = matchesFrom(stmt, access, request, filters, chainAccess);
  if (estimate) {
    // The planner's estimate: no scan of the matches, as _total=estimate allows.
    const { rows } = await q.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) SELECT 1 ${from}`, stmt.params);
    const raw = rows[0]?.['QUERY PLAN'];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: { 'Plan Rows': number } }>;
    return Math.round(plan[0]?.Plan['Plan Rows'] ?? 0);
  }
  const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, stmt.params);
  return rows[0]?.n ?? 0;
}

/** SQL of a sort key's value for resource r: the lowest value ascending, the highest descending. */
function sortExpression(stmt: Statement, key: SortKey): { sql: string; cast: string } {
  if (key.param === '_id') return { sql: 'r.id', cast: 'text' };
  if (key.param === '_lastUpdated') return { sql: 'r.last_updated', cast: 'timestamptz' };
  const param = key.param;
  const agg = key.descending ? 'max' : 'min';
  const { column: col, cast } = typeOf(param).sort;
  return {
    sql: `(SELECT ${agg}(s.${col}) FROM ${tableOf(param)} s WHERE s.rid = r.rid AND s.param = ${stmt.param(param.key)})`,
    cast,
  };
}

async function matchPage(
  q: Queryable,
  access: Access,
  request: SearchRequest,
  filters: FilterCompiler | undefined,
  chainAccess: Access,
  audit?: SearchAudit,
): Promise<{ rows: FoundResource[]; next?: SearchCursor; previous?: SearchCursor }> {
  const stmt = new Statement();
  const keys = request.sort.map((k) => ({ ...sortExpression(stmt, k), descending: k.descending }));
  const backwards = request.cursor?.direction === 'before';
  const { from, driven } = matchesFrom(stmt, access, request, filters, chainAccess, keys.length === 0 ? 'rid' : 'sorted');
  const selectKeys = keys.map((k, i) => `, ${k.sql} AS k${i}`).join('');
  const inner = `SELECT r.rid, r.resource_type, r.id, r.version_id, r.last_updated, r.content, r.compartments${selectKeys} ${from}`;
  const order = [
    ...keys.map((k, i) => {
      const desc = k.descending !== backwards;
      return `m.k${i} ${desc ? 'DESC' : 'ASC'} NULLS ${backwards ? 'FIRST' : 'LAST'}`;
    }),
    `m.rid ${backwards ? 'DESC' : 'ASC'}`,
  ].join(', ');
  const position = request.cursor ? keysetCondition(stmt, keys, request.cursor) : 'TRUE';
  // Sort values leave as text (exact: microseconds, numeric digits) for the cursor, which casts back.
  const keyText = keys.map((_k, i) => `, m.k${i}::text AS c${i}`).join('');
  const pageSql = `SELECT m.*${keyText} FROM (${inner}) m WHERE ${position} ORDER BY ${order} LIMIT ${stmt.param(request.count + 1)}`;
  let sql = pageSql;
  if (audit) {
    // One row more than the page is fetched to know whether a next page exists; only the page
    // is returned, and recorded, in the same statement.
    stmt.with('page', pageSql);
    stmt.with(
      'returned',
      `SELECT resource_type, id, version_id, false AS deleted, compartments FROM page m ORDER BY ${order} LIMIT ${stmt.param(request.count)}`,
    );
    addAccessAudit(stmt, audit.actor, 'returned', audit.event, audit.options);
    sql = stmt.build(`SELECT * FROM page m ORDER BY ${order}`);
  }
  // A driven page has the same plan whatever the values: keep it prepared (no planning per request).
  const { rows } = await q.query<MatchRow>(sql, stmt.params, { prepare: driven });
  const more = rows.length > request.count;
  const pageRows = rows.slice(0, request.count);
  if (backwards) pageRows.reverse();
  const cursorOf = (row: MatchRow | undefined, direction: SearchCursor['direction']): SearchCursor | undefined =>
    row && { direction, keys: keys.map((_k, i) => row[`c${i}`] ?? null), rid: row.rid };
  const first = pageRows[0];
  const last = pageRows[pageRows.length - 1];
  let next: SearchCursor | undefined;
  let previous: SearchCursor | undefined;
  if (backwards) {
    next = cursorOf(last, 'after');
    if (more) previous = cursorOf(first, 'before');
  } else {
    if (more) next = cursorOf(last, 'after');
    if (request.cursor) previous = cursorOf(first, 'before');
  }
  return {
    rows: pageRows.map(toFound),
    next,
    previous,
  };
}
