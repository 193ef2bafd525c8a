// What SMART puts around every route of the app: CORS for browser apps, the rate limit of the token
// endpoint, the authentication and authorization hooks. The authorization server's own routes
// (token endpoint, registration, discovery, authorize...) are src/oauth/'s, registered after this
// plugin by src/app.ts.
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Runtime } from '../runtime.js';
import { installAuthHooks } from './hooks.js';
import { OAuthError } from './oauth-error.js';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, SMART_CONFIGURATION_PATH } from './well-known.js';

/** Discovery documents every browser app may read, from any origin (SMART App Launch 2.x). */
// The token endpoint too: public browser apps exchange their code from their own origin
// (PKCE, no credentials), and introspection/revocation answer nothing without client credentials.
const OPEN_TO_ANY_ORIGIN = new Set(['/fhir/metadata', SMART_CONFIGURATION_PATH, JWKS_PATH, OPENID_CONFIGURATION_PATH, '/auth/token', '/auth/revoke']);

const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'If-Match',
  'If-None-Match',
  'If-None-Exist',
  'If-Modified-Since',
  'Prefer',
  'X-Request-Id',
];
const EXPOSED_HEADERS = ['Location', 'Content-Location', 'ETag', 'Last-Modified', 'WWW-Authenticate', 'X-Request-Id', 'Retry-After'];

/**
 * The plugin is not encapsulated (as fastify-plugin would mark it): its hooks cover every route of
 * the app, including those registered after it.
 */
export function authPlugin(runtime: Runtime, config: Config) {
  const plugin = (app: FastifyInstance) => installAuth(app, runtime, config);
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}

async function installAuth(app: FastifyInstance, runtime: Runtime, config: Config): Promise<void> {
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request: FastifyRequest, callback) => {
      const path = request.url.split('?')[0];
      const anyOrigin = OPEN_TO_ANY_ORIGIN.has(path) || config.auth.corsOrigins.includes('*');
      callback(null, {
        origin: anyOrigin ? '*' : config.auth.corsOrigins,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ALLOWED_HEADERS,
        exposedHeaders: EXPOSED_HEADERS,
        // Bearer tokens travel in a header, not cookies: no credentialed CORS.
        credentials: false,
        maxAge: 600,
        // An OPTIONS without Origin is no preflight: answered as one (204) instead of a plain-text
        // 400 that is no OperationOutcome (found by the fuzz suite).
        strictPreflight: false,
      });
    },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new OAuthError(429, 'slow_down', `Too many token requests; retry in ${context.after}`, { 'Retry-After': String(Math.ceil(context.ttl / 1000)) }),
  });
  installAuthHooks(app, runtime);
}
