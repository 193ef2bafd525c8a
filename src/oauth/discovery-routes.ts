// SMART discovery (/.well-known/smart-configuration) and the JWK Set of Haven's token keys. Both are
// public and served as application/json whatever the Accept header says (SMART App Launch 2.x).
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { ASSERTION_ALGS } from '../auth/client-assertion.js';
import { smart } from '../auth/hooks.js';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, SMART_CONFIGURATION_PATH } from '../auth/well-known.js';
import { APP_LAUNCH_CAPABILITIES, APP_LAUNCH_SCOPES, appLaunchEndpoints, openidConfiguration } from './discovery.js';

export function registerDiscoveryRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get(SMART_CONFIGURATION_PATH, smart('public'), async (_request, reply) => {
    const { config, auth } = runtime.services;
    return reply
      .type('application/json; charset=utf-8')
      .header('Cache-Control', 'public, max-age=3600')
      .send({
        issuer: config.auth.issuer,
        jwks_uri: auth.endpoints.jwksUri,
        ...appLaunchEndpoints(config),
        token_endpoint: auth.endpoints.tokenEndpoint,
        registration_endpoint: auth.endpoints.registrationEndpoint,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt', 'none'],
        token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['system/*.cruds', 'system/*.rs', 'user/*.cruds', 'user/*.rs', 'patient/*.cruds', 'patient/*.rs', 'admin', ...APP_LAUNCH_SCOPES],
        capabilities: [
          ...new Set([...APP_LAUNCH_CAPABILITIES, 'client-confidential-asymmetric', 'permission-patient', 'permission-user', 'permission-v1', 'permission-v2']),
        ],
      });
  });

  app.get(OPENID_CONFIGURATION_PATH, smart('public'), async (_request, reply) => {
    const { config, auth } = runtime.services;
    return reply.type('application/json; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(openidConfiguration(config, auth.endpoints));
  });

  app.get(JWKS_PATH, smart('public'), async (_request, reply) => {
    const jwks = await runtime.services.auth.keys.jwks();
    return reply.type('application/json; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(jwks);
  });
}
