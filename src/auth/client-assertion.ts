// SMART Backend Services client authentication: a private_key_jwt assertion (RFC 7523 3, SMART
// "Authenticating to the token endpoint"), signed RS384 or ES384 with a key the client registered.
// Every failure is invalid_client.
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import type { ClientRecord } from '../store/clients.js';
import { OAuthError } from './oauth-error.js';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGS = ['RS384', 'ES384'];
/** SMART: the assertion's exp is at most five minutes ahead. */
export const MAX_ASSERTION_LIFETIME = 300;
const CLOCK_TOLERANCE = 5;

export interface AssertionDeps {
  findClient(clientId: string): Promise<ClientRecord | undefined>;
  /** Records the jti until exp; false when it was used before. */
  recordJti(clientId: string, jti: string, expiresAt: Date): Promise<boolean>;
}

/** Remote JWK Sets of clients, cached per URL (jose caches keys and refetches on an unknown kid). */
const remoteSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

export async function authenticateClient(deps: AssertionDeps, assertion: string, tokenEndpoint: string): Promise<ClientRecord> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw OAuthError.invalidClient('client_assertion is not a JWT');
  }
  if (!header.alg || !ASSERTION_ALGS.includes(header.alg)) {
    throw OAuthError.invalidClient(`client_assertion must be signed ${ASSERTION_ALGS.join(' or ')}, not ${header.alg}`);
  }
  if (!header.kid) throw OAuthError.invalidClient('client_assertion has no kid in its header');
  if (header.typ !== undefined && header.typ.toUpperCase() !== 'JWT') throw OAuthError.invalidClient('client_assertion typ must be JWT');
  if (typeof claims.iss !== 'string' || claims.iss !== claims.sub) throw OAuthError.invalidClient('client_assertion iss and sub must both be the client_id');
  const client = await deps.findClient(claims.iss);
  if (!client) throw OAuthError.invalidClient('Unknown client');
  if (client.revokedAt) throw OAuthError.invalidClient('This client has been revoked');
  if (header.jku !== undefined && header.jku !== client.jwksUri) throw OAuthError.invalidClient('jku is not the JWKS URL this client registered');

  const keys = client.jwks ? createLocalJWKSet(client.jwks as JSONWebKeySet) : remoteSet(client.jwksUri as string);
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: ASSERTION_ALGS,
      issuer: client.clientId,
      subject: client.clientId,
      audience: tokenEndpoint,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_TOLERANCE,
    }));
  } catch (error) {
    throw OAuthError.invalidClient(assertionFailure(error));
  }
  const now = Math.floor(Date.now() / 1000);
  const exp = payload.exp as number;
  if (exp - now > MAX_ASSERTION_LIFETIME + CLOCK_TOLERANCE) {
    throw OAuthError.invalidClient(`client_assertion exp may be at most ${MAX_ASSERTION_LIFETIME} seconds ahead`);
  }
  if (typeof payload.jti !== 'string' || !payload.jti || payload.jti.length > 256) throw OAuthError.invalidClient('client_assertion needs a jti');
  if (!(await deps.recordJti(client.clientId, payload.jti, new Date(exp * 1000)))) {
    throw OAuthError.invalidClient('This client_assertion jti was already used');
  }
  return client;
}

function remoteSet(url: string): ReturnType<typeof createRemoteJWKSet> {
  let set = remoteSets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 5 * 60_000, timeoutDuration: 5_000 });
    remoteSets.set(url, set);
  }
  return set;
}

function assertionFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'client_assertion has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `client_assertion ${error.claim} is not valid: ${error.reason}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'client_assertion signature is not valid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'No registered key matches the client_assertion kid and alg';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'Several registered keys match the client_assertion kid';
  if (error instanceof errors.JOSEError) return `client_assertion could not be verified (${error.code})`;
  return 'client_assertion could not be verified';
}
