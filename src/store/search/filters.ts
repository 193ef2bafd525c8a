// Query restrictions of access rules (SMART v2 scopes such as `patient/Observation.rs?category=
// vital-signs`) compiled into SQL by the search engine, so that searches, counts, includes, chains
// and _has apply them inside the statement like every other access rule.
import type { FilterCompiler, QueryRestriction } from '../access.js';
import type { Statement } from '../statement.js';
import { criteriaCondition } from './compile.js';
import type { ParsedSearch } from './parse.js';
import type { Criterion } from './request.js';

/**
 * A FilterCompiler for accessCondition. Each restriction is parsed once (cached per restriction
 * object). An alternative naming a parameter the engine does not support matches nothing: an access
 * rule that cannot be applied must close, not open.
 */
export function createFilterCompiler(parse: (type: string, pairs: Array<[string, string]>) => ParsedSearch): FilterCompiler {
  const parsed = new WeakMap<QueryRestriction, Array<Criterion[] | undefined>>();
  const alternativesOf = (filter: QueryRestriction) => {
    let alternatives = parsed.get(filter);
    if (!alternatives) {
      alternatives = filter.anyOf.map((pairs) => {
        try {
          const result = parse(
            filter.resourceType,
            pairs.map(([n, v]) => [n, v]),
          );
          return result.ignored.length ? undefined : result.request.criteria;
        } catch {
          return undefined;
        }
      });
      parsed.set(filter, alternatives);
    }
    return alternatives;
  };
  return (filter: QueryRestriction, alias: string, stmt: Statement): string => {
    const parts = alternativesOf(filter).map((criteria) => (criteria ? criteriaCondition(stmt, criteria, alias) : 'FALSE'));
    return parts.length ? `(${parts.join(' OR ')})` : 'FALSE';
  };
}
