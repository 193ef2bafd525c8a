// Client authentication at the token, introspection and revocation endpoints, by the method the
// client registered (reference/smart-app-launch.md 2): `none` (public: client_id in the form),
// `client_secret_basic` (HTTP Basic, secret compared by hash in constant time) or
// `private_key_jwt` (the backend-services assertion rules). Another method than the registered one
// is invalid_client.
import type { FastifyRequest } from 'fastify';
import { ASSERTION_TYPE, authenticateClient } from '../auth/client-assertion.js';
import { OAuthError } from '../auth/oauth-error.js';
import type { Services } from '../runtime.js';
import { findClient, recordAssertionId, type ClientRecord } from '../store/clients.js';
import { equalSecrets, sha256 } from './secrets.js';

export interface ClientCredentials {
  basic?: { clientId: string; secret: string };
  assertion?: string;
  clientId?: string;
}

/** What the request carries to identify its client; malformed credentials are invalid_client. */
export function clientCredentials(request: FastifyRequest, form: URLSearchParams): ClientCredentials {
  const header = request.headers.authorization;
  const credentials: ClientCredentials = {};
  if (typeof header === 'string' && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw basicFailure('The Basic credentials must be client_id:client_secret');
    // RFC 6749 2.3.1: both parts are form-encoded inside the Basic header.
    credentials.basic = { clientId: decodeForm(decoded.slice(0, colon)), secret: decodeForm(decoded.slice(colon + 1)) };
  }
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  if (assertionType !== null || assertion !== null) {
    if (assertionType !== ASSERTION_TYPE) throw OAuthError.invalidClient(`client_assertion_type must be ${ASSERTION_TYPE}`);
    if (!assertion) throw OAuthError.invalidClient('client_assertion is required with client_assertion_type');
    credentials.assertion = assertion;
  }
  const clientId = form.get('client_id');
  if (clientId !== null) credentials.clientId = clientId;
  return credentials;
}

function decodeForm(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function basicFailure(description: string): OAuthError {
  return new OAuthError(401, 'invalid_client', description, { 'WWW-Authenticate': 'Basic realm="haven"' });
}

/** The authenticated client, or invalid_client (401). */
export async function authenticate(services: Services, credentials: ClientCredentials): Promise<ClientRecord> {
  const { db, auth } = services;
  if (credentials.basic && credentials.assertion) throw OAuthError.invalidClient('Use one client authentication method, not two');
  if (credentials.assertion) {
    const client = await authenticateClient(
      { findClient: (id) => findClient(db, id), recordJti: (id, jti, expiresAt) => recordAssertionId(db, id, jti, expiresAt) },
      credentials.assertion,
      auth.endpoints.tokenEndpoint,
    );
    if (client.authMethod !== 'private_key_jwt') throw OAuthError.invalidClient('This client is not registered for private_key_jwt');
    if (credentials.clientId !== undefined && credentials.clientId !== client.clientId)
      throw OAuthError.invalidClient('client_id does not match the assertion');
    return client;
  }
  if (credentials.basic) {
    const client = await findClient(db, credentials.basic.clientId);
    const ok =
      client &&
      !client.revokedAt &&
      client.authMethod === 'client_secret_basic' &&
      client.secretHash &&
      equalSecrets(sha256(credentials.basic.secret), client.secretHash);
    if (!ok || !client) throw basicFailure('The client_id or client_secret is not right');
    if (credentials.clientId !== undefined && credentials.clientId !== client.clientId) throw basicFailure('client_id does not match the Basic credentials');
    return client;
  }
  if (!credentials.clientId) throw OAuthError.invalidClient('The request must identify its client (client_id, Basic or client_assertion)');
  const client = await findClient(db, credentials.clientId);
  if (!client || client.revokedAt) throw OAuthError.invalidClient('Unknown client');
  // A confidential client sending only its client_id has not authenticated.
  if (client.authMethod !== 'none') throw OAuthError.invalidClient(`This client must authenticate (${client.authMethod})`);
  return client;
}
