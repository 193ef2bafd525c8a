// Requests refused with 401 or 403, recorded as failed AuditEvents (outcome 4) without PHI: the
// method and the route pattern ("/fhir/:type/:id"), never the ids, query or diagnostics of the URL.
// The interaction is the one the route declares with smart(...), never guessed from the URL.
import type { FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.js';
import type { Denial } from '../store/audit.js';

/** Called by the error handler for every 401 and 403 answer; never fails the answer itself. */
export async function auditDenial(runtime: Runtime, request: FastifyRequest, status: 401 | 403): Promise<void> {
  if (!runtime.ready) return;
  const services = runtime.services;
  const actor = request.haven?.actor ?? { requestId: request.id, sourceAddress: request.ip };
  try {
    await services.store.recordDenial(actor, describeDenial(request, status, services.validator.resourceTypes));
  } catch (error) {
    request.log.error({ err: error }, 'the audit record of a refused request could not be written');
  }
}

export function describeDenial(request: FastifyRequest, status: 401 | 403, resourceTypes: ReadonlySet<string>): Denial {
  const route = request.routeOptions.url;
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const interaction = declaredInteraction(request) ?? byMethod(method);
  const named = route !== undefined && /^\/fhir(\/|$)/.test(route) ? route.slice('/fhir'.length).split('/').filter(Boolean)[0] : undefined;
  const typeParam = (request.params as Record<string, unknown> | undefined)?.type;
  const resourceType = [named, typeParam].find((t): t is string => typeof t === 'string' && resourceTypes.has(t));
  return {
    status,
    action: ACTIONS[interaction],
    interaction,
    ...(resourceType ? { resourceType } : {}),
    description: `${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}: ${request.method} ${route ?? '(no route)'}`,
  };
}

/** restful-interaction codes (http://hl7.org/fhir/restful-interaction) a denial is recorded as. */
type Recorded =
  | 'read'
  | 'vread'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'search-type'
  | 'search-system'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'transaction'
  | 'batch'
  | 'operation'
  | 'capabilities';

const ACTIONS: Readonly<Record<Recorded, Denial['action']>> = {
  read: 'R',
  vread: 'R',
  'history-instance': 'R',
  'history-type': 'R',
  'history-system': 'R',
  capabilities: 'R',
  'search-type': 'E',
  'search-system': 'E',
  transaction: 'E',
  batch: 'E',
  operation: 'E',
  create: 'C',
  update: 'U',
  patch: 'U',
  delete: 'D',
};

/**
 * The interaction the route declares (src/auth/hooks.ts `smart(...)`): the SMART interaction it
 * is checked as, else what a self-authorizing route says it does. Conditional forms are recorded
 * as their restful-interaction (conditional-create is a create).
 */
function declaredInteraction(request: FastifyRequest): Recorded | undefined {
  const config = request.routeOptions.config;
  const rule = config?.smart;
  const declared = typeof rule === 'object' ? (typeof rule.interaction === 'function' ? rule.interaction(request) : rule.interaction) : config?.audited;
  return declared === undefined ? undefined : (declared.replace(/^conditional-/, '') as Recorded);
}

/** A route that declares no interaction (an admin or token route): its method says what it does. */
function byMethod(method: string): Recorded {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'read';
  }
}
