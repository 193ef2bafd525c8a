// _include, _revinclude and :iterate: one statement per round over search_reference and the
// resource table, each applying the caller's access rule to every resource it returns.
import { accessCondition, type FilterCompiler } from '../access.js';
import type { Access } from '../context.js';
import type { Queryable } from '../db.js';
import { Statement } from '../statement.js';
import type { IncludeSpec, SearchRequest } from './request.js';
import { toFound, type FoundResource, type ResourceRow } from './found.js';
import type { SearchAudit } from './search-audit.js';
import { addAccessAudit } from '../audit.js';

/** Rounds when the request does not say (SEARCH_MAX_INCLUDE_DEPTH sets it, src/store/search/bounds.ts). */
const MAX_INCLUDE_ROUNDS = 4;

/** The resources the request's includes reach from `matches`, at most request.maxIncludes. */
export async function includes(
  q: Queryable,
  access: Access,
  request: SearchRequest,
  matches: FoundResource[],
  filters?: FilterCompiler,
  audit?: SearchAudit,
): Promise<{ found: FoundResource[]; truncated: boolean }> {
  const seen = new Set(matches.map((m) => m.rid));
  const found: FoundResource[] = [];
  let source = matches;
  let truncated = false;
  const rounds = request.includeDepth ?? MAX_INCLUDE_ROUNDS;
  for (let round = 0; round < rounds && source.length; round++) {
    const specs = request.includes.filter((s) => round === 0 || s.iterate);
    if (!specs.length) break;
    const added: FoundResource[] = [];
    for (const spec of specs) {
      const room = request.maxIncludes - found.length - added.length;
      if (room <= 0) {
        truncated = true;
        break;
      }
      const rows = await includeRound(q, access, spec, source, [...seen], room, filters, audit);
      if (rows.length > room) truncated = true;
      for (const row of rows.slice(0, room)) {
        if (seen.has(row.rid)) continue;
        seen.add(row.rid);
        added.push(row);
      }
    }
    found.push(...added);
    source = added;
  }
  return { found, truncated };
}

async function includeRound(
  q: Queryable,
  access: Access,
  spec: IncludeSpec,
  source: FoundResource[],
  exclude: number[],
  room: number,
  filters?: FilterCompiler,
  audit?: SearchAudit,
): Promise<FoundResource[]> {
  const stmt = new Statement();
  const keys = stmt.param(spec.params.map((p) => p.key));
  let sql: string;
  if (!spec.reverse) {
    const target = spec.targetType ? ` AND x.target_type = ${stmt.param(spec.targetType)}` : '';
    sql = `SELECT DISTINCT t.rid, t.resource_type, t.id, t.version_id, t.last_updated, t.content, t.compartments FROM search_reference x
      JOIN resource t ON t.resource_type = x.target_type AND t.id = x.target_id
      WHERE x.rid = ANY(${stmt.param(source.map((s) => s.rid))}::bigint[]) AND x.param = ANY(${keys}::int[])${target}
        AND NOT t.deleted AND NOT (t.rid = ANY(${stmt.param(exclude)}::bigint[])) AND ${accessCondition(access, 't', stmt, { filters })}`;
  } else {
    sql = `SELECT DISTINCT t.rid, t.resource_type, t.id, t.version_id, t.last_updated, t.content, t.compartments FROM search_reference x
      JOIN resource t ON t.rid = x.rid
      WHERE x.param = ANY(${keys}::int[]) AND x.ref = ANY(${stmt.param(source.map((s) => `${s.resourceType}/${s.id}`))}::text[])
        AND NOT t.deleted AND NOT (t.rid = ANY(${stmt.param(exclude)}::bigint[])) AND ${accessCondition(access, 't', stmt, { filters })}`;
  }
  // One row more than there is room for tells the caller the includes were truncated.
  let statement = `${sql} ORDER BY t.rid LIMIT ${stmt.param(room + 1)}`;
  if (audit) {
    // What is returned (the rows there is room for) is recorded in the same statement.
    stmt.with('included', statement);
    stmt.with('returned', `SELECT resource_type, id, version_id, false AS deleted, compartments FROM included ORDER BY rid LIMIT ${stmt.param(room)}`);
    addAccessAudit(stmt, audit.actor, 'returned', audit.event, audit.options);
    statement = stmt.build('SELECT * FROM included ORDER BY rid');
  }
  // The same plan for every page (the values are arrays): kept prepared like driven pages.
  const { rows } = await q.query<ResourceRow>(statement, stmt.params, { prepare: true });
  return rows.map(toFound);
}
