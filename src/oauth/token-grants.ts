// The token endpoint's SMART App Launch grants: authorization_code (with PKCE, bound to client,
// redirect URI and verifier; a replayed code revokes its grant) and refresh_token (rotated at every
// use; a retired token seen again revokes the grant). src/oauth/token-routes.ts dispatches here.
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../auth/oauth-error.js';
import { mintAccessToken } from '../auth/tokens.js';
import type { Services } from '../runtime.js';
import type { ClientRecord } from '../store/clients.js';
import { auditOAuth } from './audit.js';
import { authenticate, clientCredentials } from './client-auth.js';
import { mintIdToken } from './id-token.js';
import { withinGrant } from './scope-granting.js';
import { newSecret, pkceMatches, sha256 } from './secrets.js';
import {
  findSession,
  OFFLINE_REFRESH_TTL_SECONDS,
  redeemCode,
  refreshTokenGrant,
  revokeGrant,
  SESSION_TTL_SECONDS,
  storeRefreshToken,
  useRefreshToken,
  type GrantRecord,
} from '../store/oauth/state.js';
import { findUser } from './users.js';

/** Access tokens of signed-in apps live 15 minutes (SMART: SHOULD be at most an hour). */
export const ACCESS_TOKEN_TTL = 900;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export type TokenResponse = Record<string, string | number | boolean>;

function invalidGrant(description: string): OAuthError {
  return OAuthError.badRequest('invalid_grant', description);
}

export async function authorizationCodeGrant(services: Services, request: FastifyRequest, form: URLSearchParams): Promise<TokenResponse> {
  const code = form.get('code');
  const redirectUri = form.get('redirect_uri');
  const verifier = form.get('code_verifier');
  if (!code) throw OAuthError.badRequest('invalid_request', 'code is required');
  if (!redirectUri) throw OAuthError.badRequest('invalid_request', 'redirect_uri is required');
  if (!verifier) throw OAuthError.badRequest('invalid_request', 'code_verifier is required (PKCE)');
  const client = await authenticatedClient(services, request, form, 'authorization_code');
  const redemption = await redeemCode(services.db, sha256(code));
  const fail = async (description: string, grant?: Pick<GrantRecord, 'username' | 'fhirUser'>) => {
    await auditOAuth(services.db, request, {
      event: 'oauth-token',
      ok: false,
      description: `code refused: ${description}`,
      clientId: client.clientId,
      ...(grant ? { username: grant.username, fhirUser: grant.fhirUser } : {}),
    });
    return invalidGrant(description);
  };
  if (redemption.kind === 'unknown') throw await fail('The code is not valid');
  if (redemption.kind === 'expired') throw await fail('The code has expired');
  if (redemption.kind === 'replayed') throw await fail('The code was used before; the tokens issued from it are revoked');
  const { grant } = redemption;
  if (grant.clientId !== client.clientId) {
    // Someone else holds this client's code: nothing issued from it can be trusted.
    await revokeGrant(services.db, grant.id, 'code presented by another client');
    throw await fail('The code was issued to another client', grant);
  }
  if (redemption.redirectUri !== redirectUri) throw await fail('redirect_uri is not the one of the authorization request', grant);
  if (!VERIFIER.test(verifier) || !pkceMatches(verifier, redemption.codeChallenge)) throw await fail('code_verifier does not match the code_challenge', grant);
  if (grant.revokedAt) throw await fail('The authorization was revoked', grant);
  const user = await findUser(services.db, grant.username);
  if (!user || user.disabledAt) throw await fail('The user is disabled', grant);
  const response = await issueTokens(services, grant, grant.scope, redemption.nonce);
  await auditOAuth(services.db, request, {
    event: 'oauth-token',
    ok: true,
    description: `tokens issued (grant ${grant.id}) for ${grant.scope}${response.refresh_token ? ', with a refresh token' : ''}`,
    clientId: client.clientId,
    username: grant.username,
    fhirUser: grant.fhirUser,
    ...(grant.patient ? { patient: grant.patient } : {}),
  });
  return response;
}

export async function refreshTokenGrantType(services: Services, request: FastifyRequest, form: URLSearchParams): Promise<TokenResponse> {
  const token = form.get('refresh_token');
  if (!token) throw OAuthError.badRequest('invalid_request', 'refresh_token is required');
  const client = await authenticatedClient(services, request, form, 'refresh_token');
  const hash = sha256(token);
  const fail = async (description: string, grant?: GrantRecord) => {
    await auditOAuth(services.db, request, {
      event: 'oauth-refresh',
      ok: false,
      description: `refresh refused: ${description}`,
      clientId: client.clientId,
      ...(grant ? { username: grant.username, fhirUser: grant.fhirUser } : {}),
    });
    return invalidGrant(description);
  };
  // A scope wider than the grant is refused before the token is retired, so the app may try again.
  const live = await refreshTokenGrant(services.db, hash);
  const asked = form.get('scope');
  if (live && live.clientId === client.clientId && asked !== null && !withinGrant(asked, live.tokenScope).ok) {
    await auditOAuth(services.db, request, {
      event: 'oauth-refresh',
      ok: false,
      description: 'refresh refused: scope wider than the grant',
      clientId: client.clientId,
      username: live.username,
    });
    throw OAuthError.badRequest('invalid_scope', 'The scope may only narrow what was granted, never widen it');
  }
  const use = await useRefreshToken(services.db, hash);
  if (use.kind === 'unknown') throw await fail('The refresh token is not valid');
  if (use.kind === 'reused') throw await fail('The refresh token was used before; the whole authorization is revoked', use.grant);
  const { grant } = use;
  if (grant.clientId !== client.clientId) {
    await revokeGrant(services.db, grant.id, 'refresh token presented by another client');
    throw await fail('The refresh token was issued to another client', grant);
  }
  if (grant.revokedAt) throw await fail('The authorization was revoked', grant);
  const user = await findUser(services.db, grant.username);
  if (!user || user.disabledAt) throw await fail('The user is disabled', grant);
  if (grant.sessionHash && !(await findSession(services.db, grant.sessionHash))) throw await fail('online_access ended with the sign-in session', grant);
  const scope = asked === null ? use.scope : withinGrant(asked, use.scope).scope;
  const response = await issueTokens(services, grant, scope);
  await auditOAuth(services.db, request, {
    event: 'oauth-refresh',
    ok: true,
    description: `tokens refreshed (grant ${grant.id}) for ${scope}`,
    clientId: client.clientId,
    username: grant.username,
    fhirUser: grant.fhirUser,
    ...(grant.patient ? { patient: grant.patient } : {}),
  });
  return response;
}

async function authenticatedClient(services: Services, request: FastifyRequest, form: URLSearchParams, grantType: string): Promise<ClientRecord> {
  let client: ClientRecord;
  try {
    client = await authenticate(services, clientCredentials(request, form));
  } catch (error) {
    if (error instanceof OAuthError) {
      await auditOAuth(services.db, request, {
        event: 'oauth-token',
        ok: false,
        description: `client authentication failed: ${error.description}`,
        ...(form.get('client_id') ? { clientId: form.get('client_id') as string } : {}),
      });
    }
    throw error;
  }
  if (!client.grantTypes.includes(grantType)) throw OAuthError.badRequest('unauthorized_client', `This client is not registered for ${grantType}`);
  return client;
}

/** The token response of reference/smart-app-launch.md 6.2: context in the body, not only in the JWT. */
async function issueTokens(services: Services, grant: GrantRecord, scope: string, nonce?: string): Promise<TokenResponse> {
  const { auth, config } = services;
  const scopes = scope.split(' ');
  const accessToken = await mintAccessToken(auth.keys, auth.settings, {
    scope,
    ttlSeconds: ACCESS_TOKEN_TTL,
    clientId: grant.clientId,
    subject: grant.subject,
    fhirUser: grant.fhirUser,
    grantId: grant.id,
    ...(grant.patient ? { patient: grant.patient } : {}),
    ...(grant.encounter ? { encounter: grant.encounter } : {}),
  });
  const response: TokenResponse = { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL, scope };
  if (grant.patient) response.patient = grant.patient;
  if (grant.encounter) response.encounter = grant.encounter;
  if (scopes.includes('openid') && scopes.includes('fhirUser')) response.id_token = await mintIdToken(auth, config.fhirBaseUrl, grant, nonce);
  const offline = scopes.includes('offline_access');
  if (offline || scopes.includes('online_access')) {
    const refresh = newSecret();
    await storeRefreshToken(services.db, sha256(refresh), grant.id, scope, offline ? OFFLINE_REFRESH_TTL_SECONDS : SESSION_TTL_SECONDS);
    response.refresh_token = refresh;
  }
  response.need_patient_banner = true;
  return response;
}
