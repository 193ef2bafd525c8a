// The after-write hooks of subscriptions (registered in src/hooks/index.ts):
// - matching: after every write of any type, the active Subscriptions on that type are matched
//   against the version, each with its owner's access, and a notification row is queued for each
//   match, all in the writing transaction;
// - the Subscription guard: Subscriptions are written only by their own routes (which check them and
//   record their owner); other writes of them (PATCH, Bundle entries) are refused, and a deletion
//   stops the Subscription in the same transaction.
import type { Authorizer } from '../auth/authorize.js';
import { FhirError } from '../errors.js';
import type { HookBatch } from '../fhir/interactions/hook-batch.js';
import type { AfterWriteHook } from '../fhir/interactions/hooks.js';
import type { Access } from '../store/context.js';
import type { ResourceStore, StoredVersion } from '../store/resources.js';
import type { CriteriaMatcher } from './matcher.js';
import { enqueue } from '../store/subscriptions/outbox.js';
import { ownerClientActive, scopeAccess } from './owner.js';
import { activeSubscriptions, removeSubscription, type RegisteredSubscription } from './registry.js';

export function subscriptionMatchHook(authorizer: Authorizer, matcher: CriteriaMatcher): AfterWriteHook {
  return async (s, written, batch) => {
    // R4 rest-hook notifies creates and updates; a deletion has no resource to send.
    if (written.interaction === 'delete' || written.version.deleted) return;
    const type = written.version.resourceType;
    // Once per type for the versions written together (a transaction Bundle's creates).
    const candidates = await batch.lookup(`subscriptions:${type}`, ['Subscription'], () => activeSubscriptions(s.q, type));
    const matched: string[] = [];
    for (const subscription of candidates) {
      // A topic names the writes that are its events (e.g. only creates of Observations).
      if (subscription.topic && !subscription.topic.interactions.includes(written.interaction)) continue;
      // The scopes first (no I/O), then the search, then (only for a match) whether the client lives.
      const access = scopeAccess(authorizer, subscription.owner, 'search-type', subscription.criteria.resourceType);
      if (!access || !(await matches(s, batch, matcher, access, subscription, written.version))) continue;
      const owner = subscription.owner;
      if (await batch.lookup(`owner-active:${owner.issuer}:${owner.clientId ?? ''}`, [], () => ownerClientActive(s.q, owner))) matched.push(subscription.id);
    }
    await enqueue(s.q, matched, written.version);
  };
}

/**
 * Whether the version matches the Subscription. A version of the batch is matched together with
 * the batch's other versions of its type, in one search, remembered until a hook writes anything
 * (a write may change what criteria match); any other version (a hook's write) on its own.
 */
async function matches(
  s: ResourceStore,
  batch: HookBatch,
  matcher: CriteriaMatcher,
  access: Access,
  subscription: RegisteredSubscription,
  version: StoredVersion,
): Promise<boolean> {
  const together = batch.written(version.resourceType);
  if (together.length < 2 || !together.some((v) => v.id === version.id && v.versionId === version.versionId))
    return matcher.matches(s, access, subscription.criteria, version);
  const matching = await batch.lookup(`match:${subscription.id}:${version.resourceType}`, 'any', () =>
    matcher.matching(s, access, subscription.criteria, together),
  );
  return matching.has(version.id);
}

export const subscriptionGuardHook: AfterWriteHook = async (s, written) => {
  if (written.interaction === 'delete') {
    await removeSubscription(s.q, written.version.id);
    return;
  }
  throw FhirError.of(
    'not-supported',
    422,
    'not-supported',
    'Subscriptions are created and changed with POST /fhir/Subscription and PUT /fhir/Subscription/{id} only (not PATCH or Bundle entries), so that Haven can check them',
  );
};
