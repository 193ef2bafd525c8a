// The Subscriptions Backport IG's notification shapes on R4: a SubscriptionStatus (a Parameters,
// profile backport-subscription-status-r4) and the notification Bundle (type history, profile
// backport-subscription-notification-r4) whose first entry is that status and whose further
// entries are the focus resources when the payload content is full-resource.
import type { Bundle, BundleEntry, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { BACKPORT } from './topics.js';

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

export interface NotificationEvent {
  eventNumber: number;
  timestamp: string;
  /** "Type/id" of the resource the event is about; absent for empty payloads. */
  focus?: string;
}

export interface StatusInput {
  fhirBaseUrl: string;
  subscriptionId: string;
  topic: string;
  status: string;
  type: NotificationType;
  eventsSinceStart: number;
  events?: NotificationEvent[];
  error?: string;
}

export function subscriptionStatus(input: StatusInput): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'subscription', valueReference: { reference: `${input.fhirBaseUrl}/Subscription/${input.subscriptionId}` } },
    { name: 'topic', valueCanonical: input.topic },
    { name: 'status', valueCode: input.status },
    { name: 'type', valueCode: input.type },
    { name: 'events-since-subscription-start', valueString: String(input.eventsSinceStart) },
    ...(input.events ?? []).map((e) => ({
      name: 'notification-event',
      part: [
        { name: 'event-number', valueString: String(e.eventNumber) },
        { name: 'timestamp', valueInstant: e.timestamp },
        ...(e.focus ? [{ name: 'focus', valueReference: { reference: `${input.fhirBaseUrl}/${e.focus}` } }] : []),
      ],
    })),
    ...(input.error ? [{ name: 'error', valueCodeableConcept: { text: input.error } }] : []),
  ];
  return { resourceType: 'Parameters', meta: { profile: [`${BACKPORT}/backport-subscription-status-r4`] }, parameter };
}

/** A notification Bundle: the status first, then the focus resources (full-resource). */
export function notificationBundle(
  status: Parameters,
  fhirBaseUrl: string,
  resources: Resource[] = [],
  bundleType: 'history' | 'searchset' = 'history',
): Bundle {
  const statusEntry: BundleEntry = {
    fullUrl: `urn:uuid:${randomUUID()}`,
    resource: status,
    ...(bundleType === 'history' ? { request: { method: 'GET', url: `Subscription/${subscriptionIdOf(status)}/$status` }, response: { status: '200' } } : {}),
  };
  const focusEntries: BundleEntry[] = resources.map((r) => ({
    fullUrl: `${fhirBaseUrl}/${r.resourceType}/${r.id}`,
    resource: r,
    ...(bundleType === 'history'
      ? {
          request: { method: r.meta?.versionId === '1' ? 'POST' : 'PUT', url: r.meta?.versionId === '1' ? r.resourceType : `${r.resourceType}/${r.id}` },
          response: { status: r.meta?.versionId === '1' ? '201' : '200' },
        }
      : {}),
  }));
  return {
    resourceType: 'Bundle',
    type: bundleType,
    timestamp: new Date().toISOString(),
    ...(bundleType === 'history' ? { meta: { profile: [`${BACKPORT}/backport-subscription-notification-r4`] } } : {}),
    entry: [statusEntry, ...focusEntries],
  };
}

function subscriptionIdOf(status: Parameters): string {
  const reference = status.parameter?.find((p) => p.name === 'subscription')?.valueReference?.reference ?? '';
  return reference.split('/').pop() ?? '';
}
