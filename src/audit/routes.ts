// GET /fhir/AuditEvent and /fhir/AuditEvent/{id}: the audit log as a read-only FHIR resource.
// Static routes: they win over the generic /:type routes, so no generic write path can reach
// AuditEvent (the store and the database refuse it as well).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import { bundleJson, type EntryText } from '../fhir/bundle.js';
import { parseInstant } from '../fhir/datetime.js';
import { checkId, etag, parsePrefer } from '../fhir/http.js';
import { decodeCursor, encodeCursor, pageSize } from '../fhir/paging.js';
import { sendJson } from '../fhir/reply.js';
import { rawQuery } from '../fhir/request.js';
import type { Runtime, Services } from '../runtime.js';
import { auditEventsAreReadOnly } from '../store/audit.js';
import type { AuditCursor, AuditRecord } from '../store/audit-log.js';
import { toAuditEvent } from './auditevent.js';
import { parseAuditQuery } from './search-params.js';

const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
const ALL_METHODS = ['GET', ...WRITE_METHODS] as const;

export function registerAuditRoutes(fhir: FastifyInstance, runtime: Runtime): void {
  const searchRule = smart({ interaction: 'search-type', resourceType: 'AuditEvent' });
  fhir.get('/AuditEvent', searchRule, (request, reply) => search(runtime.services, request, reply, new URLSearchParams(rawQuery(request))));
  fhir.post('/AuditEvent/_search', searchRule, (request, reply) => {
    const params = new URLSearchParams(rawQuery(request));
    if (request.body instanceof URLSearchParams) for (const [k, v] of request.body) params.append(k, v);
    return search(runtime.services, request, reply, params);
  });

  fhir.get<{ Params: { id: string } }>('/AuditEvent/:id', smart({ interaction: 'read', resourceType: 'AuditEvent' }), async (request, reply) => {
    const record = await readOne(runtime.services, request, request.params.id);
    return sendRecord(runtime.services, request, reply, record);
  });
  fhir.get<{ Params: { id: string; vid: string } }>(
    '/AuditEvent/:id/_history/:vid',
    smart({ interaction: 'vread', resourceType: 'AuditEvent' }),
    async (request, reply) => {
      const { id, vid } = request.params;
      // An AuditEvent never changes: version 1 is the only one.
      if (vid !== '1') throw FhirError.notFound('unknown-version', `AuditEvent/${id.slice(0, 64)} has no version "${vid.slice(0, 20)}"`);
      return sendRecord(runtime.services, request, reply, await readOne(runtime.services, request, id));
    },
  );

  const readOnly = async (): Promise<never> => {
    throw auditEventsAreReadOnly();
  };
  const noHistory = async (): Promise<never> => {
    throw FhirError.of('method-not-allowed', 405, 'not-supported', 'AuditEvents have no history; search them with GET AuditEvent?date=...');
  };
  fhir.route({ method: [...WRITE_METHODS], url: '/AuditEvent', ...smart('token'), handler: readOnly });
  fhir.route({ method: [...WRITE_METHODS], url: '/AuditEvent/:id', ...smart('token'), handler: readOnly });
  fhir.route({ method: [...ALL_METHODS], url: '/AuditEvent/_history', ...smart('token', 'history-type'), handler: noHistory });
  fhir.route({ method: [...ALL_METHODS], url: '/AuditEvent/:id/_history', ...smart('token', 'history-instance'), handler: noHistory });
}

async function readOne(services: Services, request: FastifyRequest, id: string): Promise<AuditRecord> {
  checkId(id);
  const record = await services.store.audit.read(request.haven, id);
  if (!record) throw FhirError.notFound('not-found', `AuditEvent/${id} is not known`);
  return record;
}

function sendRecord(services: Services, request: FastifyRequest, reply: FastifyReply, record: AuditRecord): FastifyReply {
  reply.header('ETag', etag(1)).header('Last-Modified', new Date(record.recorded).toUTCString());
  return sendJson(request, reply, 200, JSON.stringify(toAuditEvent(record, services.config, record.viewerCompartments)));
}

async function search(services: Services, request: FastifyRequest, reply: FastifyReply, params: URLSearchParams): Promise<FastifyReply> {
  const { config } = services;
  for (const name of ['_count', '_cursor']) {
    if (params.getAll(name).length > 1) throw FhirError.badRequest('repeated-parameter', `${name} may appear only once`, [name]);
  }
  const { filters, used } = parseAuditQuery(params, {
    strict: parsePrefer(request.headers.prefer).handling === 'strict',
    fhirBaseUrl: config.fhirBaseUrl,
    resourceTypes: services.validator.resourceTypes,
  });
  const count = pageSize(config, params.get('_count') ?? undefined);
  const cursor = params.get('_cursor');
  const after = cursor === null ? undefined : decodeCursor(cursor, isAuditCursor);
  const page = await services.store.audit.search(request.haven, {
    filters,
    timeZone: config.defaultTimeZone,
    count,
    after,
    query: `AuditEvent?${params}`,
  });
  const link = (from?: AuditCursor) => {
    const query = new URLSearchParams(used);
    query.set('_count', String(count));
    if (from) query.set('_cursor', encodeCursor(from));
    return `${config.fhirBaseUrl}/AuditEvent?${query}`;
  };
  const links = [{ relation: 'self', url: link(after) }];
  if (page.next) links.push({ relation: 'next', url: link(page.next) });
  const entries = page.records.map((record): EntryText => ({
    fullUrl: `${config.fhirBaseUrl}/AuditEvent/${record.id}`,
    resourceJson: JSON.stringify(toAuditEvent(record, config, record.viewerCompartments)),
    search: { mode: 'match' },
  }));
  return sendJson(request, reply, 200, bundleJson({ type: 'searchset', link: links, entries }));
}

function isAuditCursor(value: unknown): value is AuditCursor {
  const v = value as AuditCursor;
  return (
    !!v &&
    typeof v.recorded === 'string' &&
    parseInstant(v.recorded) !== undefined &&
    typeof v.id === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v.id)
  );
}
