// Search over HTTP: type search (GET [type], POST [type]/_search), system search (GET [base]?_type=),
// and patient compartment search (GET Patient/[id]/[type] and Patient/[id]/*). Answers a searchset
// Bundle built from the stored JSON text, with keyset paging links.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Grant } from '../auth/grant.js';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import type { Access } from '../store/context.js';
import type { Runtime, Services } from '../runtime.js';
import type { Criterion } from '../store/search/request.js';
import { checkId, parsePrefer } from './http.js';
import { sendJson } from './reply.js';
import { checkType, rawQuery, type TypeParams } from './request.js';
import { relatedAccess, searchset, type SearchTarget } from './searchset.js';

export function registerSearchRoutes(fhir: FastifyInstance, runtime: Runtime): void {
  const typeSearch = async (request: FastifyRequest<{ Params: TypeParams }>, reply: FastifyReply) => {
    const services = runtime.services;
    checkType(services, request.params.type);
    const json = await search(services, request, { types: [request.params.type], path: request.params.type, extra: [] });
    return sendJson(request, reply, 200, json);
  };
  fhir.get<{ Params: TypeParams }>('/:type', smart('search-type'), typeSearch);
  fhir.get<{ Params: TypeParams }>('/:type/_search', smart('search-type'), typeSearch);
  fhir.post<{ Params: TypeParams }>('/:type/_search', smart('search-type'), typeSearch);

  fhir.get('/', smart('search-system'), async (request, reply) => {
    const services = runtime.services;
    const typeParam = queryPairs(request).filter(([n]) => n === '_type');
    const types = typeParam
      .flatMap(([, v]) => v.split(','))
      .map((t) => t.trim())
      .filter(Boolean);
    for (const t of types) checkTypeForSearch(services, t);
    return sendJson(request, reply, 200, await search(services, request, { types, path: '', extra: [] }));
  });

  // A compartment search is a search of each type in it: the access is computed per type below.
  fhir.get<{ Params: { type: string; id: string; compartmentType: string } }>(
    '/:type/:id/:compartmentType',
    smart('token', 'search-type'),
    async (request, reply) => {
      const services = runtime.services;
      const { type, id, compartmentType } = request.params;
      if (type !== 'Patient')
        throw FhirError.notFound('not-found', `Compartment search is supported for the Patient compartment; ${type.slice(0, 64)} has none`);
      checkId(id);
      const compartment: Criterion = { kind: 'compartment', compartment: `Patient/${id}` };
      let types: string[];
      if (compartmentType === '*') types = services.search.indexer.compartment.types;
      else {
        checkType(services, compartmentType);
        if (!services.search.indexer.compartment.types.includes(compartmentType)) {
          throw FhirError.badRequest('invalid-parameter', `${compartmentType} is not in the Patient compartment`);
        }
        types = [compartmentType];
      }
      // Each type by the token's own rights on it; for "*", the types it may not search are left out.
      const { authorizer } = services.auth;
      const grant = request.grant as Grant;
      if (compartmentType !== '*') {
        request.haven.access = authorizer.authorize(grant, { interaction: 'search-type', resourceType: compartmentType });
      } else {
        const allowed: Record<string, Access> = {};
        for (const t of types) {
          const access = authorizer.tryAuthorize(grant, { interaction: 'search-type', resourceType: t });
          if (access) allowed[t] = access;
        }
        types = Object.keys(allowed);
        if (!types.length) throw FhirError.forbidden('scope-missing', 'This token may search none of the types in the Patient compartment');
        request.haven.access = { kind: 'byType', types: allowed };
      }
      const json = await search(services, request, { types, path: `Patient/${id}/${compartmentType}`, extra: [compartment] });
      return sendJson(request, reply, 200, json);
    },
  );
}

function checkTypeForSearch(services: Services, type: string): void {
  if (!services.validator.resourceTypes.has(type))
    throw FhirError.badRequest('unknown-type', `_type: "${type.slice(0, 64)}" is not a resource type`, ['_type']);
}

/** Query-string pairs plus, for POST _search, the form body's (they combine as if repeated). */
function queryPairs(request: FastifyRequest): Array<[string, string]> {
  const pairs = [...new URLSearchParams(rawQuery(request))];
  if (request.method === 'POST') {
    if (request.body instanceof URLSearchParams) pairs.push(...request.body);
    else if (request.body !== undefined && request.body !== null) {
      throw FhirError.of('unsupported-media-type', 415, 'not-supported', 'POST _search takes application/x-www-form-urlencoded parameters');
    }
  }
  return pairs;
}

async function search(services: Services, request: FastifyRequest, target: SearchTarget): Promise<string> {
  const strict = parsePrefer(request.headers.prefer).handling === 'strict';
  const ctx = { ...request.haven, related: relatedAccess(services, request.grant as Grant) };
  return searchset(services, target, queryPairs(request), strict, (request_, query) => services.store.reader(ctx).searchPage(request_, query));
}
