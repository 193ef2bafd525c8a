// The FHIR REST surface under /fhir: content negotiation, then the interactions.
import type { FastifyInstance } from 'fastify';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { registerBundleRoutes } from './bundle-routes.js';
import { registerHistoryRoutes } from './history-routes.js';
import { negotiate } from './http.js';
import { registerReadRoutes } from './read-routes.js';
import { sendJson } from './reply.js';
import { registerSearchRoutes } from './search-routes.js';
import { registerWriteRoutes } from './write-routes.js';

/**
 * Routes of other rooms served under /fhir with the same negotiation (AuditEvent, from audit/):
 * the server hands them in, so fhir/ does not import the rooms that build on it.
 */
export type FhirExtension = (app: FastifyInstance, runtime: Runtime) => void;

export function fhirRoutes(runtime: Runtime, extensions: readonly FhirExtension[] = []) {
  return async function fhir(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', async (request) => {
      const format = (request.query as Record<string, string | undefined>)._format;
      request.responseType = negotiate(request.headers.accept, format);
    });

    app.get('/metadata', smart('public'), async (request, reply) => {
      const { capability } = runtime.services;
      if (request.headers['if-none-match'] === capability.etag) return reply.code(304).send();
      return sendJson(request, reply.header('ETag', capability.etag), 200, capability.json);
    });

    // Extensions (AuditEvent) first in reading order; their static routes win over /:type whatever the order.
    for (const register of extensions) register(app, runtime);
    registerReadRoutes(app, runtime);
    registerHistoryRoutes(app, runtime);
    registerWriteRoutes(app, runtime);
    registerBundleRoutes(app, runtime);
    registerSearchRoutes(app, runtime);

    // Paths that exist but not with this method: 405, as FHIR asks for unsupported interactions.
    const notAllowed = async (): Promise<never> => {
      throw FhirError.of('method-not-allowed', 405, 'not-supported', 'This interaction is not supported on this path');
    };
    app.route({ method: ['POST'], url: '/:type/:id', ...smart('token'), handler: notAllowed });
    app.route({ method: ['PUT', 'PATCH', 'DELETE', 'POST'], url: '/:type/:id/_history', ...smart('token', 'history-instance'), handler: notAllowed });
    app.route({ method: ['PUT', 'PATCH', 'DELETE', 'POST'], url: '/:type/:id/_history/:vid', ...smart('token', 'vread'), handler: notAllowed });
    app.route({ method: ['PUT', 'PATCH', 'DELETE', 'POST'], url: '/metadata', ...smart('public'), handler: notAllowed });
  };
}
