// Introspection (RFC 7662) and revocation (RFC 7009). A token is either one of Haven's access
// tokens (a JWT, verified exactly as the FHIR API verifies it, revocation included) or a refresh
// token (opaque, looked up by hash). A client sees only its own tokens; an admin token sees all.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { Grant } from '../auth/grant.js';
import { smart } from '../auth/hooks.js';
import { OAuthError } from '../auth/oauth-error.js';
import { TokenRejected } from '../auth/tokens.js';
import type { Runtime, Services } from '../runtime.js';
import { auditOAuth } from './audit.js';
import { authenticate, clientCredentials } from './client-auth.js';
import { sha256 } from './secrets.js';
import { refreshTokenGrant, revokeAccessToken, revokeGrant } from '../store/oauth/state.js';
import { findUser } from './users.js';

type Caller = { admin: true } | { admin: false; clientId: string };

function formOf(request: FastifyRequest): URLSearchParams {
  if (!(request.body instanceof URLSearchParams)) throw OAuthError.badRequest('invalid_request', 'The request must be application/x-www-form-urlencoded');
  return request.body;
}

async function caller(services: Services, request: FastifyRequest, form: URLSearchParams, allowBearer: boolean): Promise<Caller> {
  const header = request.headers.authorization;
  if (allowBearer && typeof header === 'string' && /^bearer /i.test(header)) {
    let grant: Grant;
    try {
      grant = await services.auth.verifier.verify(header.slice(7).trim());
    } catch (error) {
      if (error instanceof TokenRejected) throw new OAuthError(401, 'invalid_token', error.message, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      throw error;
    }
    if (!grant.admin)
      throw new OAuthError(403, 'insufficient_scope', 'Introspection with a bearer token needs the admin scope', {
        'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="admin"',
      });
    return { admin: true };
  }
  const client = await authenticate(services, clientCredentials(request, form));
  return { admin: false, clientId: client.clientId };
}

interface Inspected {
  kind: 'access_token' | 'refresh_token';
  clientId?: string;
  grantId?: string;
  body: Record<string, unknown>;
  /** Access tokens: for revocation by jti. */
  jti?: string;
  exp?: number;
}

/** What a token is, or undefined when it is not an active token of this server. */
async function inspect(services: Services, token: string): Promise<Inspected | undefined> {
  const { config } = services;
  const refresh = await refreshTokenGrant(services.db, sha256(token));
  if (refresh) {
    if (refresh.revokedAt) return undefined;
    const user = await findUser(services.db, refresh.username);
    if (!user || user.disabledAt) return undefined;
    return {
      kind: 'refresh_token',
      clientId: refresh.clientId,
      grantId: refresh.id,
      body: {
        active: true,
        scope: refresh.tokenScope,
        client_id: refresh.clientId,
        sub: refresh.subject,
        ...(refresh.patient ? { patient: refresh.patient } : {}),
        ...(refresh.encounter ? { encounter: refresh.encounter } : {}),
        fhirUser: `${config.fhirBaseUrl}/${refresh.fhirUser}`,
        exp: Math.floor(refresh.expiresAt.getTime() / 1000),
        iss: services.auth.settings.issuer,
        token_type: 'refresh_token',
      },
    };
  }
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return undefined;
  let grant: Grant;
  try {
    grant = await services.auth.verifier.verify(token);
  } catch (error) {
    if (error instanceof TokenRejected) return undefined;
    throw error;
  }
  if (grant.issuer !== 'haven') return undefined;
  const claims = decodeJwt(token);
  return {
    kind: 'access_token',
    ...(grant.clientId ? { clientId: grant.clientId } : {}),
    ...(grant.grantId ? { grantId: grant.grantId } : {}),
    ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}),
    ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
    body: {
      active: true,
      scope: grant.scope,
      ...(grant.clientId ? { client_id: grant.clientId } : {}),
      ...(grant.subject ? { sub: grant.subject } : {}),
      ...(grant.patient ? { patient: grant.patient } : {}),
      ...(typeof claims.encounter === 'string' ? { encounter: claims.encounter } : {}),
      ...(grant.fhirUser ? { fhirUser: `${config.fhirBaseUrl}/${grant.fhirUser}` } : {}),
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      aud: claims.aud,
      token_type: 'Bearer',
    },
  };
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

export function registerInspectionRoutes(app: FastifyInstance, runtime: Runtime): void {
  // Authenticated inside (client credentials or an admin bearer token), so the route is 'public'
  // to the hook that would demand a bearer token.
  app.post('/auth/introspect', smart('public'), async (request, reply) => {
    const services = runtime.services;
    const form = formOf(request);
    const who = await caller(services, request, form, true);
    const token = form.get('token');
    if (!token) throw OAuthError.badRequest('invalid_request', 'token is required');
    const found = await inspect(services, token);
    const visible = found && (who.admin || found.clientId === who.clientId);
    return noStore(reply)
      .type('application/json; charset=utf-8')
      .send(visible ? found.body : { active: false });
  });

  app.post('/auth/revoke', smart('public'), async (request, reply) => {
    const services = runtime.services;
    const form = formOf(request);
    const who = await caller(services, request, form, false);
    const token = form.get('token');
    if (!token) throw OAuthError.badRequest('invalid_request', 'token is required');
    const hint = form.get('token_type_hint');
    if (hint !== null && hint !== 'access_token' && hint !== 'refresh_token') {
      throw OAuthError.badRequest('unsupported_token_type', 'Haven revokes access_token and refresh_token');
    }
    const found = await inspect(services, token);
    // RFC 7009: an unknown or already ended token is no error.
    if (!found) return noStore(reply).code(200).send();
    if (who.admin || found.clientId !== who.clientId) {
      throw OAuthError.badRequest('unauthorized_client', 'This token was not issued to this client');
    }
    if (found.kind === 'refresh_token' && found.grantId) {
      await revokeGrant(services.db, found.grantId, 'revoked by the client');
    } else if (found.jti && found.exp) {
      await revokeAccessToken(services.db, found.jti, new Date(found.exp * 1000));
    }
    await auditOAuth(services.db, request, {
      event: 'oauth-revoke',
      ok: true,
      description: `${found.kind} revoked${found.grantId ? ` (grant ${found.grantId})` : ''}`,
      clientId: who.clientId,
    });
    return noStore(reply).code(200).send();
  });
}
