// POST /fhir: batch and transaction Bundles.
import type { FastifyInstance } from 'fastify';
import type { Grant } from '../auth/grant.js';
import { smart } from '../auth/hooks.js';
import type { Runtime } from '../runtime.js';
import { BundleProcessor } from './bundles/processor.js';
import { parsePrefer } from './http.js';
import { sendJson } from './reply.js';
import { resourceBody } from './request.js';

export function registerBundleRoutes(fhir: FastifyInstance, runtime: Runtime): void {
  // Each entry is authorized on its own (SMART: Bundles have no scopes of their own).
  fhir.post('/', smart('token', 'transaction'), async (request, reply) => {
    const services = runtime.services;
    const body = resourceBody(request);
    const json = await new BundleProcessor(services, request.grant as Grant).process(request.haven, body, parsePrefer(request.headers.prefer).return);
    return sendJson(request, reply, 200, json);
  });
}
