// The SMART App Launch routes: authorization endpoint and its pages, EHR launch, introspection and
// revocation. Registered by src/auth/plugin.ts beside the token endpoint and client registration.
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { registerAuthorizeRoutes } from './authorize-routes.js';
import { registerLaunchRoutes } from './launch-routes.js';
import { registerInspectionRoutes } from './token-inspection.js';

export function registerOAuthRoutes(app: FastifyInstance, runtime: Runtime): void {
  registerAuthorizeRoutes(app, runtime);
  registerLaunchRoutes(app, runtime);
  registerInspectionRoutes(app, runtime);
}
