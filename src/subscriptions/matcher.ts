// Whether a version just written matches a Subscription's criteria, as its owner may see it. Behind
// an interface so that the hook does not care how; Haven's answer is the store's own search, run in
// the writing transaction (so it sees the version being committed, with its index rows), narrowed to
// that one resource and to the owner's access: the same semantics as a search by the owner.
import type { Access } from '../store/context.js';
import type { ResourceStore, StoredVersion } from '../store/resources.js';
import type { SubscriptionCriteria } from './criteria.js';

export interface CriteriaMatcher {
  matches(s: ResourceStore, owner: Access, criteria: SubscriptionCriteria, version: StoredVersion): Promise<boolean>;
  /** The ids of those of `versions` that match (many versions written together: one search). */
  matching(s: ResourceStore, owner: Access, criteria: SubscriptionCriteria, versions: readonly StoredVersion[]): Promise<Set<string>>;
}

/**
 * The store's search as the matcher. `maxIdsPerSearch` is the search bound on one parameter's values
 * (SEARCH_MAX_VALUES): the versions of a batch are matched `_id=a,b,...` in parts of at most that
 * many ids (less those the criteria name themselves), so a large Bundle is not refused as too costly.
 */
export function searchMatcher(maxIdsPerSearch: number): CriteriaMatcher {
  return {
    async matches(s, owner, criteria, version) {
      return (await this.matching(s, owner, criteria, [version])).has(version.id);
    },

    async matching(s, owner, criteria, versions) {
      const ids = versions.filter((v) => v.resourceType === criteria.resourceType && !v.deleted).map((v) => v.id);
      const own = criteria.params.filter(([name]) => name === '_id').reduce((n, [, value]) => n + value.split(',').length, 0);
      const part = Math.max(1, maxIdsPerSearch - own);
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += part) {
        const chunk = ids.slice(i, i + part);
        // _id takes a comma-separated list (each id is [A-Za-z0-9.-]: no comma to escape).
        for (const m of await s.as(owner).match(criteria.resourceType, [...criteria.params, ['_id', chunk.join(',')]], chunk.length)) found.add(m.id);
      }
      return found;
    },
  };
}
