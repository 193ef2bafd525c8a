// The after-write hooks of subscriptions (registered in src/hooks/index.ts):
// - matching: after every write of any type, the active Subscriptions on that type are matched
//   against the version, each with its owner's access, and a notification row is queued for each
//   match, all in the writing transaction;
// - the Subscription guard: Subscriptions are written only by their own routes (which check them and
//   record their owner); other writes of them (PATCH, Bundle entries) are refused, and a deletion
//   stops the Subscription in the same transaction.
import type { Authorizer } from '../auth/authorize.js';
import { FhirError } from '../errors.js';
import type { AfterWriteHook } from '../fhir/interactions/hooks.js';
import type { CriteriaMatcher } from './matcher.js';
import { enqueue } from '../store/subscriptions/outbox.js';
import { ownerClientActive, scopeAccess } from './owner.js';
import { activeSubscriptions, removeSubscription } from './registry.js';

export function subscriptionMatchHook(authorizer: Authorizer, matcher: CriteriaMatcher): AfterWriteHook {
  return async (s, written) => {
    // R4 rest-hook notifies creates and updates; a deletion has no resource to send.
    if (written.interaction === 'delete' || written.version.deleted) return;
    const candidates = await activeSubscriptions(s.q, written.version.resourceType);
    const matched: string[] = [];
    for (const subscription of candidates) {
      // A topic names the writes that are its events (e.g. only creates of Observations).
      if (subscription.topic && !subscription.topic.interactions.includes(written.interaction)) continue;
      // The scopes first (no I/O), then the search, then (only for a match) whether the client lives.
      const access = scopeAccess(authorizer, subscription.owner, 'search-type', subscription.criteria.resourceType);
      if (!access || !(await matcher.matches(s, access, subscription.criteria, written.version))) continue;
      if (await ownerClientActive(s.q, subscription.owner)) matched.push(subscription.id);
    }
    await enqueue(s.q, matched, written.version);
  };
}

export const subscriptionGuardHook: AfterWriteHook = async (s, written) => {
  if (written.interaction === 'delete') {
    await removeSubscription(s.q, written.version.id);
    return;
  }
  throw FhirError.of('not-supported', 
    422,
    'not-supported',
    'Subscriptions are created and changed with POST /fhir/Subscription and PUT /fhir/Subscription/{id} only (not PATCH or Bundle entries), so that Haven can check them',
  );
};
