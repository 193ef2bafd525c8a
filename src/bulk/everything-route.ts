// GET /fhir/Patient/{id}/$everything (R4 Patient-everything; reference/bulk-data.md section 11):
// the Patient and its compartment as a paged searchset, each type by the token's own rights on
// it (types it may not search are left out), the Patient read first so that an unknown or
// invisible patient answers 404. A patient/ token reaches only its own patient: the compartment
// rule confines it, and any other id is invisible. Pages are the store's compartment search, so
// every entry is access-checked and recorded in the audit trail like a search.
import type { FastifyInstance } from 'fastify';
import type { Grant } from '../auth/grant.js';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import { checkId } from '../fhir/http.js';
import { sendJson } from '../fhir/reply.js';
import { relatedAccess, searchset } from '../fhir/searchset.js';
import type { Runtime, Services } from '../runtime.js';
import type { Access } from '../store/context.js';
import type { Criterion } from '../store/search/request.js';
import { parseInstant } from './kickoff-params.js';

const DEFAULT_COUNT = 100;
const MAX_COUNT = 1000;

export function registerEverythingRoute(app: FastifyInstance, runtime: Runtime): void {
  app.get<{ Params: { id: string } }>('/Patient/:id/$everything', smart('token', 'operation'), async (request, reply) => {
    const services = runtime.services;
    const { id } = request.params;
    checkId(id);
    const grant = request.grant as Grant;
    const { authorizer } = services.auth;
    const readPatient = authorizer.authorize(grant, { interaction: 'read', resourceType: 'Patient' });
    const patient = await services.store.reader({ ...request.haven, access: readPatient }).read('Patient', id);
    if (!patient || patient.deleted) throw FhirError.notFound('not-found', `Patient/${id} is not known`);

    const pairs = [...new URLSearchParams(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '')];
    const compartmentTypes = services.search.indexer.compartment.types;
    let types = compartmentTypes;
    const search: Array<[string, string]> = [];
    const extra: Criterion[] = [{ kind: 'compartment', compartment: `Patient/${id}` }];
    let count = DEFAULT_COUNT;
    for (const [name, value] of pairs) {
      switch (name) {
        case '_type': {
          const named = value
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean);
          const outside = named.filter((t) => !compartmentTypes.includes(t));
          if (outside.length)
            throw FhirError.badRequest(
              'invalid-parameter',
              `_type: ${outside.join(', ').slice(0, 200)} ${outside.length > 1 ? 'are' : 'is'} not in the Patient compartment`,
              ['_type'],
            );
          types = types === compartmentTypes ? named : [...types, ...named];
          break;
        }
        case '_since': {
          const since = parseInstant(value);
          if (!since) throw FhirError.badRequest('invalid-parameter', `_since "${value.slice(0, 60)}" is not an instant`, ['_since']);
          search.push(['_lastUpdated', `gt${since}`]);
          break;
        }
        case 'start':
        case 'end':
          extra.push(careDate(services, compartmentTypes, name === 'start' ? 'ge' : 'le', value, name));
          break;
        case '_count':
          if (!/^\d{1,6}$/.test(value)) throw FhirError.badRequest('invalid-parameter', '_count must be a whole number', ['_count']);
          count = Math.min(Math.max(Number(value), 1), MAX_COUNT);
          break;
        case '_cursor':
          search.push([name, value]);
          break;
        case '_format':
        case '_pretty':
          break;
        default:
          throw FhirError.badRequest(
            'unknown-parameter',
            `Parameter "${name.slice(0, 64)}" is not a parameter of $everything (start, end, _since, _type, _count)`,
            [name],
          );
      }
    }
    search.push(['_count', String(count)]);

    // Each type by the token's own search rights; what it may not search is left out.
    const allowed: Record<string, Access> = {};
    for (const t of new Set(types)) {
      const access = authorizer.tryAuthorize(grant, { interaction: 'search-type', resourceType: t });
      if (access) allowed[t] = access;
    }
    const visible = Object.keys(allowed);
    if (!visible.length) throw FhirError.forbidden('scope-missing', 'This token may search none of the types in the Patient compartment');
    const ctx = { ...request.haven, access: { kind: 'byType' as const, types: allowed }, related: relatedAccess(services, grant) };
    const path = `Patient/${id}/$everything`;
    const json = await searchset(services, { types: visible, path, extra }, search, false, (searchRequest, query) =>
      services.store.reader(ctx).searchPage(searchRequest, query),
    );
    return sendJson(request, reply, 200, relink(json, services, path, pairs));
  });
}

/**
 * `start`/`end` on care dates: resources of types with a clinical `date` parameter must have one on
 * the right side of the bound, or none at all; types without one are always returned (as
 * Microsoft's server does). One criterion ORed over the types, so it ANDs with the others.
 */
function careDate(services: Services, types: string[], prefix: 'ge' | 'le', value: string, name: string): Criterion {
  if (!/^\d{4}(-\d{2}(-\d{2})?)?$/.test(value)) throw FhirError.badRequest('invalid-parameter', `${name} must be a date (YYYY, YYYY-MM or YYYY-MM-DD)`, [name]);
  const alternatives: Array<{ resourceType: string; criterion: Criterion }> = [];
  for (const type of types) {
    const param = services.search.registry.get(type, 'date');
    if (param?.type === 'date') {
      const parsed = services.search.parse(
        [type],
        [
          ['date', `${prefix}${value}`],
          ['date:missing', 'true'],
        ],
      ).request.criteria;
      for (const criterion of parsed) alternatives.push({ resourceType: type, criterion });
    } else {
      alternatives.push({ resourceType: type, criterion: { kind: 'id-missing', missing: false } });
    }
  }
  return { kind: 'by-type', alternatives };
}

/** Paging links that repeat the client's own parameters (start, end, _type, _since), with the cursor. */
function relink(json: string, services: Services, path: string, pairs: Array<[string, string]>): string {
  const bundle = JSON.parse(json) as { link?: Array<{ relation: string; url: string }> };
  const kept = pairs.filter(([n]) => n !== '_cursor' && n !== '_count');
  for (const link of bundle.link ?? []) {
    const given = new URL(link.url).searchParams;
    const params = new URLSearchParams(kept);
    const count = given.get('_count');
    const cursor = given.get('_cursor');
    if (count) params.set('_count', count);
    if (cursor) params.set('_cursor', cursor);
    link.url = `${services.config.fhirBaseUrl}/${path}?${params.toString()}`;
  }
  return JSON.stringify(bundle);
}
