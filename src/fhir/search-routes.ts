// Search over HTTP: type search (GET [type], POST [type]/_search), system search (GET [base]?_type=),
// and patient compartment search (GET Patient/[id]/[type] and Patient/[id]/*). Answers a searchset
// Bundle built from the stored JSON text, with keyset paging links.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Grant } from '../auth/grant.js';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import { NO_ACCESS, type Access, type StoreContext } from '../store/context.js';
import type { Runtime, Services } from '../runtime.js';
import { encodeSearchCursor, type ParsedSearch } from '../store/search/parse.js';
import type { Criterion, SearchCursor } from '../store/search/request.js';
import type { FoundResource } from '../store/search/found.js';
import { bundleJson, type EntryText } from './bundle.js';
import { checkId, parsePrefer } from './http.js';
import { operationOutcome } from './outcome.js';
import { sendJson } from './reply.js';
import { checkType, rawQuery, type TypeParams } from './request.js';

interface SearchTarget {
  /** Searched types: one, several (_type) or none (all). */
  types: string[];
  /** Path of the search, relative to the FHIR base, for links. */
  path: string;
  extra: Criterion[];
}

export function registerSearchRoutes(fhir: FastifyInstance, runtime: Runtime): void {
  const typeSearch = async (request: FastifyRequest<{ Params: TypeParams }>, reply: import('fastify').FastifyReply) => {
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
    const types = typeParam.flatMap(([, v]) => v.split(',')).map((t) => t.trim()).filter(Boolean);
    for (const t of types) checkTypeForSearch(services, t);
    return sendJson(request, reply, 200, await search(services, request, { types, path: '', extra: [] }));
  });

  // A compartment search is a search of each type in it: the access is computed per type below.
  fhir.get<{ Params: { type: string; id: string; compartmentType: string } }>('/:type/:id/:compartmentType', smart('token'), async (request, reply) => {
    const services = runtime.services;
    const { type, id, compartmentType } = request.params;
    if (type !== 'Patient') throw FhirError.notFound(`Compartment search is supported for the Patient compartment; ${type.slice(0, 64)} has none`);
    checkId(id);
    const compartment: Criterion = { kind: 'compartment', compartment: `Patient/${id}` };
    let types: string[];
    if (compartmentType === '*') types = services.search.indexer.compartment.types;
    else {
      checkType(services, compartmentType);
      if (!services.search.indexer.compartment.types.includes(compartmentType)) {
        throw FhirError.badRequest(`${compartmentType} is not in the Patient compartment`);
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
      if (!types.length) throw FhirError.forbidden('This token may search none of the types in the Patient compartment');
      request.haven.access = { kind: 'byType', types: allowed };
    }
    const json = await search(services, request, { types, path: `Patient/${id}/${compartmentType}`, extra: [compartment] });
    return sendJson(request, reply, 200, json);
  });
}

/**
 * The request's store context, with what the resources a search reaches beyond its matches may
 * be: included ones must be readable, chained and _has ones searchable, each by the token's rights
 * on its own type (a patient/Observation.rs token includes no Patient).
 */
function withRelatedAccess(services: Services, request: FastifyRequest): StoreContext {
  const { authorizer } = services.auth;
  const grant = request.grant as Grant;
  return {
    ...request.haven,
    related: {
      include: authorizer.tryAuthorize(grant, { interaction: 'read' }) ?? NO_ACCESS,
      chain: authorizer.tryAuthorize(grant, { interaction: 'search-system' }) ?? NO_ACCESS,
    },
  };
}

function checkTypeForSearch(services: Services, type: string): void {
  if (!services.validator.resourceTypes.has(type)) throw FhirError.badRequest(`_type: "${type.slice(0, 64)}" is not a resource type`, ['_type']);
}

/** Query-string pairs plus, for POST _search, the form body's (they combine as if repeated). */
function queryPairs(request: FastifyRequest): Array<[string, string]> {
  const pairs = [...new URLSearchParams(rawQuery(request))];
  if (request.method === 'POST') {
    if (request.body instanceof URLSearchParams) pairs.push(...request.body);
    else if (request.body !== undefined && request.body !== null) {
      throw FhirError.of(415, 'not-supported', 'POST _search takes application/x-www-form-urlencoded parameters');
    }
  }
  return pairs;
}

async function search(services: Services, request: FastifyRequest, target: SearchTarget): Promise<string> {
  const pairs = queryPairs(request);
  const strict = parsePrefer(request.headers.prefer).handling === 'strict';
  const parsed = services.search.parse(target.types, pairs, target.extra);
  if (strict && parsed.ignored.length) {
    throw new FhirError(
      400,
      parsed.ignored.map((i) => ({ severity: 'error', code: 'not-supported', diagnostics: `Parameter "${i.name}" not supported: ${i.reason}`, expression: [i.name] })),
    );
  }
  if (parsed.request.cursor && parsed.request.cursor.keys.length !== parsed.request.sort.length) {
    throw FhirError.badRequest('The paging cursor does not belong to this search; start again from the first page', ['_cursor']);
  }
  // The audit trail keeps the search as it ran (form parameters of POST _search included).
  const used = new URLSearchParams(parsed.used).toString();
  const query = `${target.path}${used ? '?' + used : ''}`;
  const result = await services.store.searchPage(withRelatedAccess(services, request), parsed.request, query);
  const base = services.config.fhirBaseUrl;
  const link = (cursor?: SearchCursor) => {
    const params = new URLSearchParams(parsed.used);
    if (!params.has('_count')) params.set('_count', String(parsed.request.count));
    if (cursor) params.set('_cursor', encodeSearchCursor(cursor));
    const query = params.toString();
    return `${base}${target.path ? '/' + target.path : ''}${query ? '?' + query : ''}`;
  };
  const links = [{ relation: 'self', url: link(parsed.request.cursor) }];
  if (result.next) links.push({ relation: 'next', url: link(result.next) });
  if (result.previous) links.push({ relation: 'previous', url: link(result.previous) });

  const subset = { summary: parsed.summary, elements: parsed.elements };
  const entry = (found: FoundResource, mode: 'match' | 'include'): EntryText => ({
    fullUrl: `${base}/${found.resourceType}/${found.id}`,
    resourceJson: services.subsetter.apply(found.json, subset),
    search: { mode },
  });
  const entries = [...result.matches.map((m) => entry(m, 'match')), ...result.included.map((m) => entry(m, 'include'))];
  const notes = outcomeNotes(parsed, result.includesTruncated);
  if (notes) entries.push({ resourceJson: JSON.stringify(notes), search: { mode: 'outcome' } });
  // Without _total, a single complete page still knows its total for free.
  const onlyPage = !parsed.request.cursor && !result.next && !parsed.request.countOnly && parsed.request.count > 0;
  const total = result.total ?? (onlyPage ? result.matches.length : undefined);
  return bundleJson({ type: 'searchset', total, link: links, entries });
}

function outcomeNotes(parsed: ParsedSearch, includesTruncated: boolean) {
  const issues = parsed.ignored.map((i) => ({
    severity: 'warning' as const,
    code: 'not-supported' as const,
    diagnostics: `Parameter "${i.name}" was ignored: ${i.reason}`,
    expression: [i.name],
  }));
  if (includesTruncated) {
    issues.push({
      severity: 'warning',
      code: 'not-supported',
      diagnostics: `More resources matched _include/_revinclude than one page returns (${parsed.request.maxIncludes}); narrow the search or lower _count`,
      expression: ['_include'],
    } as never);
  }
  return issues.length ? operationOutcome(issues) : undefined;
}
