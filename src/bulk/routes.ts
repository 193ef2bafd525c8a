// The bulk room's routes under /fhir: $export (kick-off, status, files) and Patient $everything.
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { registerEverythingRoute } from './everything-route.js';
import { exportRoutes } from './export-routes.js';

export function bulkRoutes(runtime: Runtime) {
  return async function bulk(app: FastifyInstance): Promise<void> {
    await app.register(exportRoutes(runtime));
    registerEverythingRoute(app, runtime);
  };
}
