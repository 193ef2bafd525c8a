// Subscription.criteria ("Flag?patient=Patient/1&status=active") as the store's search grammar reads
// it: checked once when the Subscription is written, so that a criteria Haven cannot evaluate is a
// 400 at creation rather than a Subscription that silently never fires.
import { FhirError } from '../errors.js';
import { isResultParameter } from '../grammar/result-parameters.js';
import type { SearchEngine } from '../store/search/engine.js';

export interface SubscriptionCriteria {
  resourceType: string;
  /** The search parameters, in order; empty for "every resource of the type". */
  params: Array<[string, string]>;
  /** The query part as stored ("patient=Patient/1&status=active"). */
  query: string;
}

/** Parses and checks criteria against the search engine; 400 naming what Haven cannot search. */
export function parseCriteria(search: SearchEngine, criteria: string | undefined): SubscriptionCriteria {
  if (!criteria?.trim())
    throw FhirError.badRequest('invalid-criteria', 'Subscription.criteria is required, e.g. "Observation?patient=Patient/1"', ['Subscription.criteria']);
  const [resourceType, query = ''] = criteria.trim().split(/\?(.*)/s, 2);
  if (!search.context.resourceTypes.has(resourceType)) {
    throw FhirError.badRequest('invalid-criteria', `Subscription.criteria must start with a resource type Haven knows, got "${resourceType.slice(0, 64)}"`, [
      'Subscription.criteria',
    ]);
  }
  const params = [...new URLSearchParams(query)];
  for (const [name] of params) {
    if (isResultParameter(name)) {
      throw FhirError.badRequest('invalid-criteria', `Subscription.criteria may not use the result parameter ${name}: it selects resources, not pages`, [
        'Subscription.criteria',
      ]);
    }
  }
  const parsed = search.parse([resourceType], params);
  if (parsed.ignored.length) {
    throw FhirError.badRequest('invalid-criteria', `Subscription.criteria uses what Haven cannot search: ${parsed.ignored.map((i) => i.reason).join('; ')}`, [
      'Subscription.criteria',
    ]);
  }
  return { resourceType, params, query: new URLSearchParams(params).toString() };
}

/** The stored form back into criteria (registry rows). */
export function storedCriteria(resourceType: string, query: string): SubscriptionCriteria {
  return { resourceType, params: [...new URLSearchParams(query)], query };
}
