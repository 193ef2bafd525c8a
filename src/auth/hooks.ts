// Authentication and authorization for every route, in two hooks that no route can skip:
// - onRequest: a route that is not `public` needs a valid bearer token (401 otherwise, before the
//   body is read); its claims become `request.grant` and the audit actor.
// - preHandler: the route's declared SMART interaction (route config `smart`) is checked against the
//   token's scopes, and the resulting Access is what the store enforces. A /fhir or /api route that
//   declares nothing fails closed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FhirError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { NO_ACCESS } from '../store/context.js';
import type { Interaction } from './authorize.js';
import type { Grant } from './grant.js';
import { OAuthError } from './oauth-error.js';
import { TokenRejected } from './tokens.js';

/**
 * What a route needs:
 * - 'public': no token (metadata, discovery, the token endpoint);
 * - 'token': any valid token; the handler authorizes what it does (transaction entries) or refuses;
 * - 'admin': a token with the `admin` scope;
 * - an interaction: checked on `resourceType`, or on the `:type` of the URL, or (system level) on
 *   every type.
 */
export type RouteAuthorization =
  | 'public'
  | 'token'
  | 'admin'
  | { interaction: Interaction | ((request: FastifyRequest) => Interaction); resourceType?: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token; undefined on public routes. */
    grant?: Grant;
  }
  interface FastifyContextConfig {
    smart?: RouteAuthorization;
  }
}

/** Route options that declare a route's SMART authorization: `app.get(url, smart('read'), handler)`. */
export function smart(rule: RouteAuthorization | Interaction): { config: { smart: RouteAuthorization } } {
  if (typeof rule === 'object' || rule === 'public' || rule === 'token' || rule === 'admin') return { config: { smart: rule } };
  return { config: { smart: { interaction: rule } } };
}

/** Paths where every request needs a token unless its route is public. */
const PROTECTED = /^\/(fhir|api|auth)(\/|$|\?)/;

export function installAuthHooks(app: FastifyInstance, runtime: Runtime): void {
  app.decorateRequest('grant', undefined);

  app.addHook('onRequest', async (request) => {
    if (request.method === 'OPTIONS') return; // CORS preflight carries no credentials
    const rule = request.routeOptions.config?.smart;
    if (rule === 'public') return;
    if (rule === undefined && !PROTECTED.test(request.url)) return;
    const grant = await authenticate(runtime, request);
    request.grant = grant;
    Object.assign(request.haven.actor, {
      ...(grant.clientId ? { clientId: grant.clientId } : {}),
      ...(grant.subject ? { subject: grant.subject } : {}),
      ...(grant.fhirUser ? { fhirUser: grant.fhirUser } : {}),
      ...(grant.patient ? { patient: grant.patient } : {}),
    });
  });

  app.addHook('preHandler', async (request) => {
    if (request.method === 'OPTIONS') return;
    const rule = request.routeOptions.config?.smart;
    if (rule === undefined) {
      if (PROTECTED.test(request.url) && request.routeOptions.url !== undefined) {
        throw new Error(`Route ${request.method} ${request.routeOptions.url} declares no SMART authorization (config.smart)`);
      }
      return;
    }
    if (rule === 'public' || rule === 'token') return;
    const grant = request.grant as Grant;
    if (rule === 'admin') {
      if (!grant.admin) throw new OAuthError(403, 'insufficient_scope', 'This endpoint needs a token with the admin scope', { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="admin"' });
      return;
    }
    const services = runtime.services;
    const interaction = typeof rule.interaction === 'function' ? rule.interaction(request) : rule.interaction;
    const resourceType = rule.resourceType ?? (request.params as { type?: string } | undefined)?.type;
    // An unknown type is the handler's 404, not a missing permission.
    if (resourceType !== undefined && !services.validator.resourceTypes.has(resourceType)) {
      request.haven.access = NO_ACCESS;
      return;
    }
    request.haven.access = services.auth.authorizer.authorize(grant, { interaction, resourceType });
  });
}

async function authenticate(runtime: Runtime, request: FastifyRequest): Promise<Grant> {
  const oauth = request.url.startsWith('/auth/');
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
  if (!match) {
    const description = header ? 'The Authorization header must be "Bearer <token>"' : 'This endpoint needs an access token (Authorization: Bearer <token>)';
    throw unauthorized(oauth, description, header ? 'Bearer error="invalid_request"' : 'Bearer');
  }
  try {
    return await runtime.services.auth.verifier.verify(match[1]);
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error;
    throw unauthorized(oauth, error.message, `Bearer error="invalid_token", error_description="${error.message.replace(/"/g, "'")}"`);
  }
}

function unauthorized(oauth: boolean, description: string, challenge: string): Error {
  const headers = { 'WWW-Authenticate': challenge };
  if (oauth) return new OAuthError(401, 'invalid_token', description, headers);
  return new FhirError(401, { severity: 'error', code: 'login', diagnostics: description }, headers);
}
