// Subscription in the CapabilityStatement: what works (R4 rest-hook with or without payload, the
// header lines, the endpoint rule), with the generic read and search interactions. Subscriptions are
// written by their own routes (create, update), so patch and conditional writes are not offered.
import type { CapabilityStatementRestResource, CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';

export function subscriptionCapability(searchParam: CapabilityStatementRestResourceSearchParam[]): CapabilityStatementRestResource {
  return {
    type: 'Subscription',
    documentation:
      'R4 Subscriptions with channel.type rest-hook: criteria is any search Haven supports on the type; after each matching create or update Haven POSTs the resource (payload application/fhir+json) or an empty body (no payload), with the channel.header lines, at least once and in commit order per Subscription, retried with exponential back-off; repeated failures set status error and Subscription.error. Endpoints: the origins of SUBSCRIPTION_ORIGINS, else https outside loopback and private networks. A Subscription delivers only what the token that wrote it could search and read.',
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
