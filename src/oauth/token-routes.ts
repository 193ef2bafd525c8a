// The token endpoint: SMART Backend Services (client_credentials with a private_key_jwt assertion),
// and the SMART App Launch grants (authorization_code, refresh_token) in src/oauth/token-grants.ts.
// Answers and errors follow RFC 6749 5.1 / 5.2, never cached.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Runtime } from '../runtime.js';
import { findClient, recordAssertionId } from '../store/clients.js';
import { ASSERTION_TYPE, authenticateClient } from '../auth/client-assertion.js';
import { OAuthError } from '../auth/oauth-error.js';
import { mediateScopes } from '../auth/scope-mediation.js';
import { mintAccessToken } from '../auth/tokens.js';
import { authorizationCodeGrant, refreshTokenGrantType } from './token-grants.js';

/** Backend-service access tokens live five minutes (SMART: SHOULD NOT exceed 300 seconds). */
export const BACKEND_TOKEN_TTL = 300;
const PARAMS = [
  'grant_type',
  'scope',
  'client_assertion_type',
  'client_assertion',
  'code',
  'redirect_uri',
  'code_verifier',
  'client_id',
  'refresh_token',
] as const;
/** Backend-service assertions are costly to verify; signed-in apps behind one address (a clinic) are many. */
const APP_LAUNCH_RATE_FACTOR = 20;

export function registerTokenRoute(app: FastifyInstance, runtime: Runtime, config: Config): void {
  app.post(
    '/auth/token',
    // Per client address and grant type: assertions are cheap to send and costly to verify, while
    // the code exchanges and refreshes of a clinic's fifty clinicians share one address.
    {
      config: {
        smart: 'public',
        rateLimit: {
          hook: 'preHandler',
          keyGenerator: (request: FastifyRequest) => `${request.ip}|${grantTypeOf(request)}`,
          // The counters are this process's: with WORKERS each takes its share, never more in all.
          max: async (request: FastifyRequest) =>
            Math.ceil(
              (grantTypeOf(request) === 'client_credentials' ? config.auth.tokenRateLimit : config.auth.tokenRateLimit * APP_LAUNCH_RATE_FACTOR) /
                config.workers,
            ),
          timeWindow: 60_000,
        },
      },
    },
    async (request, reply) => {
      const { db, auth, validator, search } = runtime.services;
      const form = formOf(request);
      const grantType = form.get('grant_type');
      if (grantType === 'authorization_code' || grantType === 'refresh_token') {
        const answer =
          grantType === 'authorization_code'
            ? await authorizationCodeGrant(runtime.services, request, request.body as URLSearchParams)
            : await refreshTokenGrantType(runtime.services, request, request.body as URLSearchParams);
        return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(answer);
      }
      if (grantType !== 'client_credentials') {
        throw OAuthError.badRequest(
          'unsupported_grant_type',
          `Haven issues tokens for grant_type client_credentials, authorization_code and refresh_token, not ${grantType}`,
        );
      }
      if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
        throw OAuthError.badRequest('invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
      }
      const assertion = form.get('client_assertion');
      if (!assertion) throw OAuthError.badRequest('invalid_request', 'client_assertion is required');
      const requested = form.get('scope');
      if (!requested?.trim()) throw OAuthError.badRequest('invalid_scope', 'scope is required');

      const client = await authenticateClient(
        {
          findClient: (id) => findClient(db, id),
          recordJti: (id, jti, expiresAt) => recordAssertionId(db, id, jti, expiresAt),
        },
        assertion,
        auth.endpoints.tokenEndpoint,
      );
      if (!client.grantTypes.includes('client_credentials'))
        throw OAuthError.badRequest('unauthorized_client', 'This client is not registered for client_credentials');
      const { granted, invalid } = mediateScopes(requested, client.scope, validator.resourceTypes, search);
      if (invalid.length) throw OAuthError.badRequest('invalid_scope', `Not valid scopes: ${invalid.join(' ')}`);
      if (!granted.length) throw OAuthError.badRequest('invalid_scope', 'None of the requested scopes is within what this client is registered for');
      const scope = granted.join(' ');
      const token = await mintAccessToken(auth.keys, auth.settings, { scope, clientId: client.clientId, ttlSeconds: BACKEND_TOKEN_TTL });
      return reply
        .header('Cache-Control', 'no-store')
        .header('Pragma', 'no-cache')
        .send({ access_token: token, token_type: 'bearer', expires_in: BACKEND_TOKEN_TTL, scope });
    },
  );
}

function grantTypeOf(request: FastifyRequest): string {
  return request.body instanceof URLSearchParams ? (request.body.get('grant_type') ?? '') : '';
}

/** The form parameters, each at most once (RFC 6749 3.2: parameters must not repeat). */
function formOf(request: FastifyRequest): Map<string, string> {
  if (!(request.body instanceof URLSearchParams)) {
    throw OAuthError.badRequest('invalid_request', 'The token request must be application/x-www-form-urlencoded');
  }
  const form = new Map<string, string>();
  for (const name of PARAMS) {
    const values = request.body.getAll(name);
    if (values.length > 1) throw OAuthError.badRequest('invalid_request', `${name} appears more than once`);
    if (values.length === 1) form.set(name, values[0]);
  }
  return form;
}
