// Subscription in the CapabilityStatement: what works (R4 rest-hook with or without payload, the
// header lines, the endpoint rule), with the generic read and search interactions. Subscriptions are
// written by their own routes (create, update), so patch and conditional writes are not offered.
import type { CapabilityStatementRestResource, CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';
import { BACKPORT, TOPICS } from './topics.js';

export function subscriptionCapability(searchParam: CapabilityStatementRestResourceSearchParam[]): CapabilityStatementRestResource {
  return {
    type: 'Subscription',
    // The topics of the Subscriptions Backport IG that Haven publishes.
    extension: TOPICS.map((topic) => ({
      url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical',
      valueCanonical: topic.url,
    })),
    supportedProfile: [`${BACKPORT}/backport-subscription`],
    operation: [
      { name: 'status', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status' },
      { name: 'events', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events' },
    ],
    documentation:
      'R4 Subscriptions with channel.type rest-hook: criteria is any search Haven supports on the type; after each matching create or update Haven POSTs the resource (payload application/fhir+json) or an empty body (no payload), with the channel.header lines, at least once and in commit order per Subscription, retried with exponential back-off; repeated failures set status error and Subscription.error. Topic-based Subscriptions (Subscriptions Backport IG, the topics listed in the extensions of this entry): criteria is the topic URL, narrowed by backport-filter-criteria; notifications are history Bundles with a SubscriptionStatus (empty, id-only or full-resource); $status and $events. No handshake, heartbeat or websocket channel yet. Endpoints: the origins of SUBSCRIPTION_ORIGINS, else https outside loopback and private networks. A Subscription delivers only what the token that wrote it could search and read.',
    interaction: ['read', 'vread', 'history-instance', 'history-type', 'search-type', 'create', 'update', 'delete'].map((code) => ({ code: code as 'read' })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: false,
    conditionalRead: 'full-support',
    conditionalUpdate: false,
    conditionalDelete: 'single',
    ...(searchParam.length ? { searchParam } : {}),
  };
}
