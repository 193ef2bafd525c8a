// SMART v2 query restrictions (`patient/Observation.rs?category=vital-signs`) as resource filters.
// Haven policy (reference/smart-scopes.md 1.6): a restricted scope admits the resources that
// `GET [type]?<restriction>` would return. So the restriction is the store's own search criteria
// twice over: the criteria travel to the store as data and search compiles them into SQL, and
// `matches` (reads, history, writes) asks the search engine's Node matcher, which parses them, runs
// the same extraction as the index and applies the same value rules (src/store/search/match.ts).
// Nothing here reads definitions or values. A restriction the engine cannot evaluate on a single
// resource (unknown parameter or modifier, chain, _has, a malformed value) grants nothing.
import type { ResourceFilter } from '../store/context.js';
import type { ResourceMatcher } from '../store/search/engine.js';

type Criteria = ReadonlyArray<readonly [string, string]>;

/** What evaluates restrictions: the search engine (SearchEngine.criteriaMatcher). */
export interface RestrictionCriteria {
  criteriaMatcher(resourceType: string, criteria: Criteria): ResourceMatcher | undefined;
}

/**
 * The filter that admits resources of `resourceType` matching any of the alternatives (each a list
 * of criteria that must all match), or undefined when some criterion cannot be evaluated.
 */
export function restrictionFilter(engine: RestrictionCriteria, resourceType: string, alternatives: Criteria[]): ResourceFilter | undefined {
  const matchers: ResourceMatcher[] = [];
  for (const criteria of alternatives) {
    const matcher = engine.criteriaMatcher(resourceType, criteria);
    if (!matcher) return undefined;
    matchers.push(matcher);
  }
  return { resourceType, anyOf: alternatives, matches: (resource) => matchers.some((m) => m(resource)) };
}

/** Whether every criterion can be evaluated on `resourceType` (the token endpoint's check). */
export function canEvaluate(engine: RestrictionCriteria, resourceType: string, criteria: Criteria): boolean {
  return engine.criteriaMatcher(resourceType, criteria) !== undefined;
}
