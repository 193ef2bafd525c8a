// The SubscriptionTopics Haven publishes for the Subscriptions Backport IG (topic-based
// Subscriptions on R4). R4 has no SubscriptionTopic resource: a topic is a canonical URL, listed on
// the CapabilityStatement (extension capabilitystatement-subscriptiontopic-canonical), with the
// resource type and interactions that trigger it. A Subscription narrows a topic with
// backport-filter-criteria searches on that type.
import type { WriteInteraction } from '../grammar/interaction.js';

export interface Topic {
  url: string;
  title: string;
  resourceType: string;
  /** The writes that are events of this topic. */
  interactions: readonly WriteInteraction[];
}

export const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';

export const TOPICS: readonly Topic[] = [
  {
    url: 'https://haven-fhir.org/fhir/SubscriptionTopic/flag-raised-or-resolved',
    title: 'A Flag was raised or resolved (any create or update of a Flag)',
    resourceType: 'Flag',
    interactions: ['create', 'update', 'patch'],
  },
  {
    url: 'https://haven-fhir.org/fhir/SubscriptionTopic/observation-created',
    title: 'An Observation was created for a patient',
    resourceType: 'Observation',
    interactions: ['create'],
  },
];

export function topicOf(url: string | undefined): Topic | undefined {
  return TOPICS.find((t) => t.url === url);
}

/** backport-payload-content: how much of the focus a notification carries. */
// The values the subscription table's content column holds: the store's to define.
export type { PayloadContent } from '../store/subscriptions/outbox.js';
import type { PayloadContent } from '../store/subscriptions/outbox.js';
export const PAYLOAD_CONTENTS: readonly PayloadContent[] = ['empty', 'id-only', 'full-resource'];
