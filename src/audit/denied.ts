// Requests refused with 401 or 403, recorded as failed AuditEvents (outcome 4) without PHI: the
// method and the route pattern ("/fhir/:type/:id"), never the ids, query or diagnostics of the URL.
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
  const fhirPath = route !== undefined && /^\/fhir(\/|$)/.test(route) ? route.slice('/fhir'.length) : undefined;
  const { interaction, action } = fhirPath === undefined ? byMethod(method) : fhirInteraction(method, fhirPath);
  const named = fhirPath?.split('/').filter(Boolean)[0];
  const typeParam = (request.params as Record<string, unknown> | undefined)?.type;
  const resourceType = [named, typeParam].find((t): t is string => typeof t === 'string' && resourceTypes.has(t));
  return {
    status,
    action,
    interaction,
    ...(resourceType ? { resourceType } : {}),
    description: `${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}: ${request.method} ${route ?? '(no route)'}`,
  };
}

type Classified = Pick<Denial, 'interaction' | 'action'>;

/** The restful-interaction of a route under /fhir, from the shape of its pattern. */
function fhirInteraction(method: string, path: string): Classified {
  const segments = path.split('/').filter(Boolean);
  if (segments.some((s) => s.startsWith('$'))) return { interaction: 'operation', action: 'E' };
  if (segments[0] === 'metadata') return { interaction: 'capabilities', action: 'R' };
  const history = segments.indexOf('_history');
  if (history >= 0) {
    if (history === 2 && segments.length === 4) return { interaction: 'vread', action: 'R' };
    return { interaction: ['history-system', 'history-type', 'history-instance'][history] ?? 'history', action: 'R' };
  }
  if (segments[1] === '_search') return { interaction: 'search-type', action: 'E' };
  if (segments.length === 0) return method === 'POST' ? { interaction: 'transaction', action: 'E' } : { interaction: 'search-system', action: 'E' };
  if (segments.length === 1 && method === 'GET') return { interaction: 'search-type', action: 'E' };
  return byMethod(method);
}

function byMethod(method: string): Classified {
  switch (method) {
    case 'POST':
      return { interaction: 'create', action: 'C' };
    case 'PUT':
      return { interaction: 'update', action: 'U' };
    case 'PATCH':
      return { interaction: 'patch', action: 'U' };
    case 'DELETE':
      return { interaction: 'delete', action: 'D' };
    default:
      return { interaction: 'read', action: 'R' };
  }
}
