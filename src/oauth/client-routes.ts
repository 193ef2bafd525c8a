// Client registration (RFC 7591 form) and the admin API over registered clients: list, show, revoke.
// Every route needs a token with the `admin` scope. A revoked client can no longer authenticate, and
// the tokens already issued to it stop working at the next request (TokenVerifier checks).
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { findClient, insertClient, listClients, revokeClient, type ClientRecord } from '../store/clients.js';
import { smart } from '../auth/hooks.js';
import { OAuthError } from '../auth/oauth-error.js';
import { checkLaunchMetadata, type LaunchMetadata } from './registration.js';
import { parseScopes } from '../auth/scopes.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const CURVES = ['P-256', 'P-384', 'P-521'];

export function registerClientRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.post('/auth/register', smart('admin'), async (request, reply) => {
    const { db, validator } = runtime.services;
    const { launch, ...metadata } = checkMetadata(request.body, validator.resourceTypes);
    const client = await insertClient(db, {
      clientId: randomUUID(),
      ...metadata,
      authMethod: launch.authMethod,
      grantTypes: launch.grantTypes,
      redirectUris: launch.redirectUris,
      ...(launch.launchUri ? { launchUri: launch.launchUri } : {}),
      ...(launch.secret ? { secretHash: launch.secret.hash } : {}),
    });
    // The client_secret is shown this once; only its hash is kept.
    const answer = { ...describe(client), ...(launch.secret ? { client_secret: launch.secret.value, client_secret_expires_at: 0 } : {}) };
    return reply.code(201).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(answer);
  });

  app.get('/auth/clients', smart('admin'), async () => {
    return { clients: (await listClients(runtime.services.db)).map(describe) };
  });

  app.get<{ Params: { clientId: string } }>('/auth/clients/:clientId', smart('admin'), async (request) => {
    const client = await findClient(runtime.services.db, request.params.clientId);
    if (!client) throw new OAuthError(404, 'not_found', 'No client with this client_id');
    return describe(client);
  });

  app.delete<{ Params: { clientId: string } }>('/auth/clients/:clientId', smart('admin'), async (request, reply) => {
    if (!(await revokeClient(runtime.services.db, request.params.clientId))) throw new OAuthError(404, 'not_found', 'No client with this client_id');
    return reply.code(204).send();
  });
}

/** The RFC 7591 client information response. */
function describe(client: ClientRecord) {
  return {
    client_id: client.clientId,
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    client_name: client.clientName,
    scope: client.scope,
    ...(client.jwks ? { jwks: client.jwks } : {}),
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    grant_types: client.grantTypes,
    token_endpoint_auth_method: client.authMethod,
    ...(client.redirectUris.length ? { redirect_uris: client.redirectUris } : {}),
    ...(client.launchUri ? { launch_uri: client.launchUri } : {}),
    ...(client.revokedAt ? { revoked_at: client.revokedAt.toISOString() } : {}),
  };
}

interface Metadata {
  clientName: string;
  scope: string;
  jwks?: { keys: object[] };
  jwksUri?: string;
  launch: LaunchMetadata;
}

function invalid(description: string): OAuthError {
  return OAuthError.badRequest('invalid_client_metadata', description);
}

function checkMetadata(body: unknown, resourceTypes: ReadonlySet<string>): Metadata {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The registration must be a JSON object');
  const m = body as Record<string, unknown>;
  if (typeof m.client_name !== 'string' || !m.client_name.trim() || m.client_name.length > 200) {
    throw invalid('client_name is required: a name of at most 200 characters');
  }
  if (typeof m.scope !== 'string' || !m.scope.trim()) throw invalid('scope is required: the scopes this client may be granted');
  const parsed = parseScopes(m.scope);
  const unknownTypes = parsed.resources.filter((s) => s.resourceType !== '*' && !resourceTypes.has(s.resourceType));
  if (parsed.invalid.length || unknownTypes.length) {
    throw invalid(`Not valid scopes: ${[...parsed.invalid, ...unknownTypes.map((s) => `${s.context}/${s.resourceType}`)].join(' ')}`);
  }
  const launch = checkLaunchMetadata(m);
  const scope = m.scope.split(' ').filter(Boolean).join(' ');
  if (launch.authMethod !== 'private_key_jwt') {
    if (m.jwks !== undefined || m.jwks_uri !== undefined) throw invalid(`jwks and jwks_uri go with private_key_jwt, not ${launch.authMethod}`);
    return { clientName: m.client_name.trim(), scope, launch };
  }
  if ((m.jwks === undefined) === (m.jwks_uri === undefined)) throw invalid('Exactly one of jwks and jwks_uri is required');
  if (m.jwks_uri !== undefined) return { clientName: m.client_name.trim(), scope, jwksUri: checkJwksUri(m.jwks_uri), launch };
  return { clientName: m.client_name.trim(), scope, jwks: checkJwks(m.jwks), launch };
}

/** https, or http on the loopback interface (development and tests). */
function checkJwksUri(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalid('jwks_uri must be a URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (typeof value !== 'string' || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw invalid('jwks_uri must be an https URL');
  }
  return value;
}

/** Public RSA or EC keys, each with a kid unique in the set (SMART Backend Services). */
function checkJwks(value: unknown): { keys: object[] } {
  const keys = (value as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys) || !keys.length) throw invalid('jwks must be a JWK Set: {"keys": [...]}');
  const kids = new Set<string>();
  keys.forEach((key, i) => {
    const k = key as Record<string, unknown>;
    if (!k || typeof k !== 'object') throw invalid(`jwks.keys[${i}] is not a JWK`);
    if (typeof k.kid !== 'string' || !k.kid) throw invalid(`jwks.keys[${i}] needs a kid`);
    if (kids.has(k.kid)) throw invalid(`jwks.keys[${i}]: kid "${k.kid}" is not unique`);
    kids.add(k.kid);
    if (PRIVATE_MEMBERS.some((p) => p in k)) throw invalid(`jwks.keys[${i}] holds private key material; register public keys only`);
    if (k.kty === 'RSA') {
      if (typeof k.n !== 'string' || typeof k.e !== 'string') throw invalid(`jwks.keys[${i}]: an RSA key needs n and e`);
    } else if (k.kty === 'EC') {
      if (!CURVES.includes(k.crv as string) || typeof k.x !== 'string' || typeof k.y !== 'string') {
        throw invalid(`jwks.keys[${i}]: an EC key needs crv (P-256, P-384 or P-521), x and y`);
      }
    } else {
      throw invalid(`jwks.keys[${i}]: kty must be RSA or EC`);
    }
  });
  return { keys: keys as object[] };
}
