// Search criteria of conditional interactions: the query of `PUT Patient?identifier=...` or the
// value of If-None-Exist, as (name, value) pairs without the result and format parameters.
import { FhirError } from '../../errors.js';

export type Criteria = Array<[string, string]>;

/** Parameters that shape the answer rather than select resources. */
const NON_CRITERIA = new Set(['_format', '_pretty', '_summary', '_elements', '_count', '_sort', '_total', '_include', '_revinclude']);

export function parseCriteria(query: string | URLSearchParams): Criteria {
  // Clients send ifNoneExist both as "identifier=..." and as "Patient?identifier=...": both mean the same.
  const params = typeof query === 'string' ? new URLSearchParams(query.replace(/^(?:[A-Z][A-Za-z]*)?\?/, '')) : query;
  const criteria: Criteria = [];
  for (const [name, value] of params) if (!NON_CRITERIA.has(name)) criteria.push([name, value]);
  if (!criteria.length) throw FhirError.badRequest('invalid-criteria', 'A conditional request needs search criteria, e.g. identifier=system|value');
  return criteria;
}

/** A canonical form of the criteria: equal for the same condition whatever the parameter order. */
export function criteriaKey(resourceType: string, criteria: Criteria): string {
  return `${resourceType}?${criteria
    .map(([n, v]) => `${n}=${v}`)
    .sort()
    .join('&')}`;
}
