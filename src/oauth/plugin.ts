// The authorization server's routes: the token endpoint (every grant), client registration and the
// clients API, discovery and the JWK Set, the authorization endpoint and its pages, EHR launch,
// introspection and revocation. Registered by src/app.ts after src/auth/plugin.ts, whose hooks,
// CORS and token rate limit cover every route of the app.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Runtime } from '../runtime.js';
import { registerAuthorizeRoutes } from './authorize-routes.js';
import { registerClientRoutes } from './client-routes.js';
import { registerDiscoveryRoutes } from './discovery-routes.js';
import { registerLaunchRoutes } from './launch-routes.js';
import { registerInspectionRoutes } from './token-inspection.js';
import { registerTokenRoute } from './token-routes.js';

export function oauthRoutes(runtime: Runtime, config: Config) {
  return async (app: FastifyInstance): Promise<void> => {
    registerDiscoveryRoutes(app, runtime);
    registerTokenRoute(app, runtime, config);
    registerClientRoutes(app, runtime);
    registerAuthorizeRoutes(app, runtime);
    registerLaunchRoutes(app, runtime);
    registerInspectionRoutes(app, runtime);
  };
}
