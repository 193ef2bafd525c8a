// EHR launch: an admin (the EHR) mints an opaque, short-lived launch value carrying the patient
// (and encounter) an app should open; the app sends it back as `launch` at /auth/authorize.
import type { FastifyInstance } from 'fastify';
import { smart } from '../auth/hooks.js';
import { OAuthError } from '../auth/oauth-error.js';
import { isFhirId } from '../grammar/id.js';
import type { Runtime } from '../runtime.js';
import { findClient } from '../store/clients.js';
import { ALL_ACCESS } from '../store/context.js';
import { auditOAuth } from './audit.js';
import { newSecret, sha256 } from './secrets.js';
import { createLaunch, LAUNCH_TTL_SECONDS } from '../store/oauth/state.js';

export function registerLaunchRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.post('/auth/launch', smart('admin'), async (request, reply) => {
    const { db } = runtime.services;
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw OAuthError.badRequest('invalid_request', 'The body must be a JSON object {patient, encounter?}');
    const { patient, encounter, client_id: clientId } = body;
    if (!isFhirId(patient)) throw OAuthError.badRequest('invalid_request', 'patient is required: a Patient id');
    if (encounter !== undefined && !isFhirId(encounter)) throw OAuthError.badRequest('invalid_request', 'encounter must be an Encounter id');
    if (clientId !== undefined && (typeof clientId !== 'string' || !(await findClient(db, clientId))))
      throw OAuthError.badRequest('invalid_request', 'client_id names no registered app');
    // Through the store's front door: the admin's look at the Patient is a read on record like any other.
    const found = await runtime.services.store.reader({ ...request.haven, access: ALL_ACCESS }).read('Patient', patient);
    if (!found || found.deleted) throw OAuthError.badRequest('invalid_request', `There is no Patient/${patient}`);
    const launch = newSecret();
    await createLaunch(db, sha256(launch), {
      patient,
      ...(encounter ? { encounter: encounter as string } : {}),
      ...(clientId ? { clientId: clientId as string } : {}),
      ...(request.grant?.subject ? { createdBy: request.grant.subject } : {}),
    });
    await auditOAuth(db, request, {
      event: 'oauth-launch',
      ok: true,
      description: 'EHR launch context created',
      patient,
      ...(request.grant?.clientId ? { clientId: request.grant.clientId } : {}),
    });
    return reply.code(201).header('Cache-Control', 'no-store').send({ launch, expires_in: LAUNCH_TTL_SECONDS });
  });
}
