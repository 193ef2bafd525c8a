// The Backport IG's operations on a Subscription: $status (SHALL) answers its SubscriptionStatus,
// $events (MAY) the events a client missed (it sees a gap in event-number), from the outbox, which
// keeps every event. Only the Subscription's owner (or a system/ token that may read Subscriptions)
// may ask; focus resources are read as the owner, so nothing they may no longer see comes back.
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Grant } from '../auth/grant.js';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import { checkId } from '../fhir/http.js';
import { sendJson } from '../fhir/reply.js';
import type { Runtime, Services } from '../runtime.js';
import { notificationBundle, subscriptionStatus } from './notification.js';
import { eventsBetween } from '../store/subscriptions/outbox.js';
import { ownerAccess, ownerActor, ownerOf, sameOwner } from './owner.js';
import { findSubscription, type RegisteredSubscription } from './registry.js';

/** Most events one $events answer carries; ask again from the last number for more. */
const MAX_EVENTS = 100;

export function registerSubscriptionOperations(app: FastifyInstance, runtime: Runtime): void {
  app.get<{ Params: { id: string } }>('/Subscription/:id/$status', smart('token', 'operation'), async (request, reply) => {
    const services = runtime.services;
    const subscription = await ownSubscription(services, request, request.params.id);
    const status = subscriptionStatus({ ...statusBase(services, subscription), type: 'query-status' });
    return sendJson(request, reply, 200, JSON.stringify(notificationBundle(status, services.config.fhirBaseUrl, [], 'searchset')));
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    '/Subscription/:id/$events',
    smart('token', 'operation'),
    async (request, reply) => {
      const services = runtime.services;
      const subscription = await ownSubscription(services, request, request.params.id);
      const total = subscription.events ?? 0;
      const since = number(request.query.eventsSinceNumber, 'eventsSinceNumber') ?? Math.max(1, total - MAX_EVENTS + 1);
      const until = number(request.query.eventsUntilNumber, 'eventsUntilNumber') ?? total;
      const content = request.query.content ?? subscription.content ?? 'id-only';
      if (!['empty', 'id-only', 'full-resource'].includes(content))
        throw FhirError.badRequest('invalid-subscription', 'content must be empty, id-only or full-resource');
      const events = await eventsBetween(services.db, subscription.id, since, until, MAX_EVENTS);
      const resources: Resource[] = [];
      const visible = new Set<number>();
      const access = await ownerAccess(services.db, services.auth.authorizer, subscription.owner, 'vread', subscription.criteria.resourceType);
      if (access && content !== 'empty') {
        const reader = services.store.reader({ actor: ownerActor(subscription.owner, request.id), access });
        for (const e of events) {
          const version = await reader.vread(e.resourceType, e.resourceId, e.versionId);
          if (!version?.json) continue;
          visible.add(e.eventNumber);
          if (content === 'full-resource') resources.push(JSON.parse(version.json) as Resource);
        }
      }
      const status = subscriptionStatus({
        ...statusBase(services, subscription),
        type: 'query-event',
        events: events.map((e) => ({
          eventNumber: e.eventNumber,
          timestamp: e.timestamp,
          ...(visible.has(e.eventNumber) ? { focus: `${e.resourceType}/${e.resourceId}` } : {}),
        })),
      });
      return sendJson(request, reply, 200, JSON.stringify(notificationBundle(status, services.config.fhirBaseUrl, resources, 'searchset')));
    },
  );
}

function statusBase(services: Services, s: RegisteredSubscription) {
  return {
    fhirBaseUrl: services.config.fhirBaseUrl,
    subscriptionId: s.id,
    topic: s.topic?.url ?? `${services.config.fhirBaseUrl}/${s.criteria.resourceType}?${s.criteria.query}`,
    status: s.status,
    eventsSinceStart: s.events ?? 0,
  };
}

/** The Subscription, when the token is its owner or a system/ token that may read Subscriptions. */
async function ownSubscription(services: Services, request: FastifyRequest, id: string): Promise<RegisteredSubscription> {
  checkId(id);
  const grant = request.grant as Grant;
  const subscription = await findSubscription(services.db, id);
  const system = grant.scopes.some(
    (s) => s.context === 'system' && (s.resourceType === 'Subscription' || s.resourceType === '*') && s.letters.includes('r') && !s.restriction,
  );
  // Another party's Subscription answers as an unknown one: no existence oracle.
  if (!subscription || (!system && !sameOwner(subscription.owner, ownerOf(grant)))) throw FhirError.notFound('not-found', `Subscription/${id} is not known`);
  return subscription;
}

function number(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw FhirError.badRequest('invalid-subscription', `${name} must be a whole number`, [name]);
  return Number(raw);
}
