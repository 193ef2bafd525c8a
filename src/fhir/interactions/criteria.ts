// Search criteria of conditional interactions: the query of `PUT Patient?identifier=...` or the
// value of If-None-Exist, as (name, value) pairs without the result and format parameters.
import { FhirError } from '../../errors.js';
import { isResultParameter } from '../../grammar/result-parameters.js';

export type Criteria = Array<[string, string]>;

export function parseCriteria(query: string | URLSearchParams): Criteria {
  // Clients send ifNoneExist both as "identifier=..." and as "Patient?identifier=...": both mean the same.
  const params = typeof query === 'string' ? new URLSearchParams(query.replace(/^(?:[A-Z][A-Za-z]*)?\?/, '')) : query;
  const criteria: Criteria = [];
  for (const [name, value] of params) if (!isResultParameter(name)) criteria.push([name, value]); // they shape an answer a condition has not
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
