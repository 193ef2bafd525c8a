// Authentication and authorization for every route, in two hooks that no route can skip:
// - onRequest: a route that is not `public` needs a valid bearer token (401 otherwise, before the
//   body is read); its claims become `request.grant` and the audit actor.
// - preHandler: the route's declared SMART interaction (route config `smart`) is checked against the
//   token's scopes, and the resulting Access is what the store enforces.
// And at registration (onRoute): a route under /fhir, /api, /auth or /app that declares nothing
// stops the server from starting, so no route can be forgotten.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FhirError, type ErrorCode } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { ALL_ACCESS, NO_ACCESS } from '../store/context.js';
import type { Interaction } from '../grammar/interaction.js';
import type { Grant } from './grant.js';
import { OAuthError } from './oauth-error.js';
import { TokenRejected } from './tokens.js';

/**
 * What a route needs:
 * - 'public': no token (metadata, discovery, the token endpoint);
 * - 'token': any valid token; the handler authorizes what it does (transaction entries, with
 *   `services.auth.authorizer.authorize(request.grant, ...)`) or refuses;
 * - 'admin': a token with the `admin` scope;
 * - an interaction, checked on `resourceType` (one type, several types each by its own scopes, or
 *   a function of the request), else on the `:type` of the URL, else at system level: every type,
 *   or for search-system the types of `_type`.
 */
export type RouteAuthorization =
  | 'public'
  | 'token'
  | 'admin'
  | {
      interaction: Interaction | ((request: FastifyRequest) => Interaction);
      resourceType?: string | readonly string[] | ((request: FastifyRequest) => string);
    };

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token; undefined on public routes. */
    grant?: Grant;
  }
  interface FastifyContextConfig {
    smart?: RouteAuthorization;
    /** What a 'token', 'admin' or 'public' route does, for the audit record of a refusal. */
    audited?: AuditedInteraction;
  }
}

/**
 * The restful-interaction a route performs, as the audit trail of a refused request names it: an
 * interaction SMART checks, or one the handler authorizes itself.
 */
export type AuditedInteraction = Interaction | 'transaction' | 'batch' | 'operation' | 'capabilities';

interface RouteDeclaration {
  config: { smart: RouteAuthorization; audited?: AuditedInteraction };
}

/**
 * Route options that declare a route's SMART authorization: `app.get(url, smart('read'), handler)`.
 * A route whose handler authorizes (`'token'`, `'admin'`) names what it does for the audit record
 * of a refusal: `smart('token', 'operation')`; left out, the method says it (POST create, ...).
 */
export function smart(rule: RouteAuthorization | Interaction, audited?: AuditedInteraction): RouteDeclaration {
  const declared = typeof rule === 'object' || rule === 'public' || rule === 'token' || rule === 'admin' ? rule : { interaction: rule };
  return { config: { smart: declared, ...(audited ? { audited } : {}) } };
}

/** Paths where every request needs a token unless its route is public. */
const PROTECTED = /^\/(fhir|api|auth)(\/|$|\?)/;
/** Paths where every route must declare its authorization (public ones too) to be registered. */
const DECLARED = /^\/(fhir|api|auth|app)(\/|$)/;

/**
 * The registration check: Fastify calls it for every route added after the auth plugin (all of
 * Haven's routes), and a throw here fails `app.ready()`, so an undeclared route never serves.
 */
export function refuseUndeclaredRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.smart === undefined && DECLARED.test(route.url)) {
      const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
      throw new Error(
        `Route ${methods} ${route.url} declares no SMART authorization: give it smart(...) (src/auth/hooks.ts), smart('public') if it needs no token`,
      );
    }
  });
}

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
      // A backend service's token names the client as its subject (SMART: sub = client_id): that
      // is no user, and the audit trail must not show one.
      ...(grant.subject && grant.subject !== grant.clientId ? { subject: grant.subject } : {}),
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
      if (!grant.admin)
        throw new OAuthError(403, 'insufficient_scope', 'This endpoint needs a token with the admin scope', {
          'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="admin"',
        });
      return;
    }
    const { authorizer } = runtime.services.auth;
    const known = runtime.services.validator.resourceTypes;
    const interaction = typeof rule.interaction === 'function' ? rule.interaction(request) : rule.interaction;
    const declared = typeof rule.resourceType === 'function' ? rule.resourceType(request) : rule.resourceType;
    if (Array.isArray(declared)) {
      request.haven.access = authorizer.authorizeTypes(grant, interaction, declared);
      return;
    }
    const resourceType = (declared as string | undefined) ?? (request.params as { type?: string } | undefined)?.type;
    if (resourceType === undefined) {
      const types = interaction === 'search-system' ? typesParam(request) : undefined;
      // An unknown type in _type is the search's 400, not a missing permission.
      const checked = types?.filter((type) => known.has(type));
      request.haven.access = authorizer.authorize(grant, { interaction, ...(checked ? { types: checked } : {}) });
      return;
    }
    // An unknown type is the handler's 404, not a missing permission.
    if (!known.has(resourceType)) {
      request.haven.access = NO_ACCESS;
      return;
    }
    if (interaction === 'read' && readsOwnRecord(grant, resourceType, request)) {
      request.haven.access = ALL_ACCESS; // a read of one id: this one record
      return;
    }
    request.haven.access = authorizer.authorize(grant, { interaction, resourceType });
  });
}

/**
 * Haven policy (reference/smart-app-launch.md 6.3): a token granted `fhirUser` may always read the
 * person's own record (their Practitioner, Patient or RelatedPerson), whatever its patient/ scopes
 * say: apps and the Inferno kit read it with the token they got.
 */
function readsOwnRecord(grant: Grant, resourceType: string, request: FastifyRequest): boolean {
  const id = (request.params as { id?: string } | undefined)?.id;
  return grant.issuer === 'haven' && grant.fhirUser !== undefined && grant.fhirUser === `${resourceType}/${id}` && grant.scope.split(' ').includes('fhirUser');
}

/** The types a system-level search names in `_type` (query or POST _search form; repeated or comma separated). */
function typesParam(request: FastifyRequest): string[] | undefined {
  const query = (request.query as Record<string, string | string[] | undefined> | undefined)?._type;
  const form = request.body instanceof URLSearchParams ? request.body.getAll('_type') : [];
  const raw = [...(query === undefined ? [] : Array.isArray(query) ? query : [query]), ...form];
  const types = raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return types.length ? types : undefined;
}

async function authenticate(runtime: Runtime, request: FastifyRequest): Promise<Grant> {
  const oauth = request.url.startsWith('/auth/');
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
  if (!match) {
    const description = header ? 'The Authorization header must be "Bearer <token>"' : 'This endpoint needs an access token (Authorization: Bearer <token>)';
    throw unauthorized(oauth, 'token-required', description, header ? 'Bearer error="invalid_request"' : 'Bearer');
  }
  try {
    return await runtime.services.auth.verifier.verify(match[1]);
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error;
    throw unauthorized(oauth, 'token-invalid', error.message, `Bearer error="invalid_token", error_description="${error.message.replace(/"/g, "'")}"`);
  }
}

function unauthorized(oauth: boolean, code: ErrorCode, description: string, challenge: string): Error {
  const headers = { 'WWW-Authenticate': challenge };
  if (oauth) return new OAuthError(401, 'invalid_token', description, headers);
  return new FhirError(code, 401, { severity: 'error', code: 'login', diagnostics: description }, headers);
}
