// Whether a version just written matches a Subscription's criteria, as its owner may see it. Behind
// an interface so that the hook does not care how; Haven's answer is the store's own search, run in
// the writing transaction (so it sees the version being committed, with its index rows), narrowed to
// that one resource and to the owner's access: the same semantics as a search by the owner.
import type { Access } from '../store/context.js';
import type { ResourceStore, StoredVersion } from '../store/resources.js';
import type { SubscriptionCriteria } from './criteria.js';

export interface CriteriaMatcher {
  matches(s: ResourceStore, owner: Access, criteria: SubscriptionCriteria, version: StoredVersion): Promise<boolean>;
}

export const searchMatcher: CriteriaMatcher = {
  async matches(s, owner, criteria, version) {
    if (version.resourceType !== criteria.resourceType || version.deleted) return false;
    const found = await s.as(owner).match(criteria.resourceType, [...criteria.params, ['_id', version.id]], 1);
    return found.length === 1;
  },
};
