// Finds the resources a conditional interaction (If-None-Exist, conditional update and delete)
// refers to. This first version understands `_id` and `identifier`; the search engine replaces it.
import { FhirError } from '../errors.js';
import { accessCondition } from './access.js';
import type { Access } from './context.js';
import type { Queryable } from './db.js';
import { Statement } from './statement.js';

export interface Match {
  id: string;
  versionId: number;
}

/** Up to `limit` current, non-deleted resources of `resourceType` matching every criterion. */
export async function findMatches(
  q: Queryable,
  access: Access,
  resourceType: string,
  criteria: ReadonlyArray<readonly [string, string]>,
  limit: number,
): Promise<Match[]> {
  if (!criteria.length) throw FhirError.badRequest('A conditional request needs at least one search parameter');
  const stmt = new Statement();
  const where = [`r.resource_type = ${stmt.param(resourceType)}`, 'NOT r.deleted', accessCondition(access, 'r', stmt)];
  for (const [name, value] of criteria) {
    const alternatives = splitOr(value);
    if (name === '_id') {
      where.push(`r.id = ANY(${stmt.param(alternatives)}::text[])`);
    } else if (name === 'identifier') {
      const ors = alternatives.map((token) => `(r.content::jsonb -> 'identifier') @> ${stmt.param(JSON.stringify([identifierPattern(token)]))}::jsonb`);
      where.push(`(${ors.join(' OR ')})`);
    } else {
      throw FhirError.badRequest(`Conditional requests support only _id and identifier for now, not "${name}"`);
    }
  }
  const sql = `SELECT id, version_id FROM resource r WHERE ${where.join(' AND ')} LIMIT ${stmt.param(limit)}`;
  const { rows } = await q.query<{ id: string; version_id: number }>(sql, stmt.params);
  return rows.map((r) => ({ id: r.id, versionId: r.version_id }));
}

function splitOr(value: string): string[] {
  return value.split(/(?<!\\),/).map((v) => v.replace(/\\([,|$\\])/g, '$1'));
}

function identifierPattern(token: string): { system?: string; value?: string } {
  const bar = token.search(/(?<!\\)\|/);
  if (bar < 0) return { value: token };
  const system = token.slice(0, bar);
  const value = token.slice(bar + 1);
  if (!value) return { system };
  return system ? { system, value } : { value };
}
