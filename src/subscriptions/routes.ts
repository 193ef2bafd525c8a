// POST /fhir/Subscription and PUT /fhir/Subscription/{id}: the only ways a Subscription is written
// (their static routes win over /fhir/:type). Each checks the Subscription, that the token could
// search its criteria, and stores it with its owner in one transaction. Reads, searches, history
// and DELETE are the generic routes.
import type { Subscription } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Grant } from '../auth/grant.js';
import { smart } from '../auth/hooks.js';
import type { Letter, ScopeContext } from '../auth/scopes.js';
import { FhirError } from '../errors.js';
import { checkId, negotiate, parseIfMatch, parsePrefer } from '../fhir/http.js';
import type { WriteOutcome } from '../fhir/interactions/write.js';
import { sendWrite } from '../fhir/reply.js';
import { header, resourceBody } from '../fhir/request.js';
import type { Runtime, Services } from '../runtime.js';
import { ALL_ACCESS } from '../store/context.js';
import type { ResourceStore } from '../store/resources.js';
import { registerSubscriptionOperations } from './operations.js';
import { ownerOf, sameOwner } from './owner.js';
import { findSubscription, saveSubscription } from './registry.js';
import { checkSubscription } from './subscription-check.js';

export function subscriptionRoutes(runtime: Runtime) {
  return async function subscriptions(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', async (request) => {
      request.responseType = negotiate(request.headers.accept, (request.query as Record<string, string | undefined>)._format);
    });

    app.post('/Subscription', smart('token'), async (request, reply) => {
      const services = runtime.services;
      requireScope(request.grant as Grant, 'c');
      const resource = services.writes.checkResource('Subscription', resourceBody(request), 'create') as Subscription;
      const outcome = await write(services, request, resource, (s, stored) => s.create(stored).then((version) => ({ status: 201, version })));
      return sendWrite(request, reply, services.config, outcome, parsePrefer(request.headers.prefer).return);
    });

    app.put<{ Params: { id: string } }>('/Subscription/:id', smart('token'), async (request, reply) => {
      const services = runtime.services;
      const grant = request.grant as Grant;
      requireScope(grant, 'u');
      const { id } = request.params;
      checkId(id);
      const resource = services.writes.checkResource('Subscription', resourceBody(request), 'update', id) as Subscription;
      const ifMatch = parseIfMatch(header(request, 'if-match'));
      const outcome = await write(services, request, resource, async (s, stored) => {
        const existing = await findSubscription(s.q, id);
        if (existing && !sameOwner(existing.owner, ownerOf(grant)) && !requireScope(grant, 'u', 'system')) {
          throw FhirError.forbidden('not-owner', `Subscription/${id} belongs to another client or user; only they (or a system/ token) may change it`);
        }
        const result = await s.update('Subscription', id, stored, { ifMatch });
        return { status: result.created ? 201 : 200, version: result.version };
      });
      return sendWrite(request, reply, services.config, outcome, parsePrefer(request.headers.prefer).return);
    });

    registerSubscriptionOperations(app, runtime);
  };
}

/**
 * The token's scopes must allow `letter` on Subscription (403 otherwise). This is checked on the
 * scopes alone: a Subscription lies in no patient compartment, so the row rules of patient/ and
 * user/ scopes do not apply to it; what it delivers is confined by its owner's access instead.
 * With `context`, answers whether a scope of that context allows it, without refusing.
 */
function requireScope(grant: Grant, letter: Letter, context?: ScopeContext): boolean {
  const allowed = grant.scopes.some(
    (s) => (s.resourceType === 'Subscription' || s.resourceType === '*') && !s.restriction && s.letters.includes(letter) && (!context || s.context === context),
  );
  if (context || allowed) return allowed;
  throw new FhirError(
    'scope-missing',
    403,
    {
      severity: 'error',
      code: 'forbidden',
      diagnostics: `This token's scopes do not allow ${letter === 'c' ? 'creating' : 'updating'} Subscriptions: it needs e.g. patient/Subscription.${letter}, user/Subscription.${letter} or system/Subscription.${letter}`,
    },
    { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
  );
}

/**
 * Checks the Subscription, then stores it (status active, or off) and its registry row in one
 * transaction. The resource is written with full access: a Subscription lies in no patient
 * compartment, so a patient/ token could not store its own otherwise; the route has checked the
 * Subscription scope, and the owner's grant confines everything the Subscription reaches.
 */
async function write(
  services: Services,
  request: FastifyRequest,
  resource: Subscription,
  store: (s: ResourceStore, stored: Subscription) => Promise<WriteOutcome>,
): Promise<WriteOutcome> {
  const grant = request.grant as Grant;
  const checked = checkSubscription(resource, services.search, services.config.subscriptions.origins);
  // The token must be able to search what it subscribes to (403 naming the missing scope).
  services.auth.authorizer.authorize(grant, { interaction: 'search-type', resourceType: checked.criteria.resourceType });
  const { error: _error, ...rest } = resource;
  const stored: Subscription = { ...rest, status: checked.status };
  return services.store.transaction(request.haven, async (s) => {
    const outcome = await store(s.as(ALL_ACCESS), stored);
    const id = outcome.version?.id as string;
    await saveSubscription(s.q, { id, ...checked, owner: ownerOf(grant) });
    return outcome;
  });
}
