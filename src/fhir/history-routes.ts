// History at instance, type and system level: a Bundle of type history, newest first, deletions
// included, paged by keyset cursors.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import type { Runtime, Services } from '../runtime.js';
import type { HistoryCursor, HistoryEntry, HistoryPage, HistoryQuery } from '../store/history.js';
import { bundleJson, type EntryText } from './bundle.js';
import { parseInstant } from './datetime.js';
import { etag, parsePrefer } from './http.js';
import { decodeCursor, encodeCursor, pageSize } from './paging.js';
import { sendJson } from './reply.js';
import { checkInstance, checkType, fhirTarget, type InstanceParams, type TypeParams } from './request.js';

const KNOWN = new Set(['_count', '_since', '_cursor', '_format', '_pretty']);

export function registerHistoryRoutes(fhir: FastifyInstance, runtime: Runtime): void {
  fhir.get('/_history', smart('history-system'), (request, reply) =>
    history(runtime.services, request, {}).then((json) => sendJson(request, reply, 200, json)),
  );

  fhir.get<{ Params: TypeParams }>('/:type/_history', smart('history-type'), async (request, reply) => {
    const services = runtime.services;
    checkType(services, request.params.type);
    return sendJson(request, reply, 200, await history(services, request, { resourceType: request.params.type }));
  });

  fhir.get<{ Params: InstanceParams }>('/:type/:id/_history', smart('history-instance'), async (request, reply) => {
    const services = runtime.services;
    checkInstance(services, request.params);
    const { type, id } = request.params;
    const json = await history(services, request, { resourceType: type, id }, async (page) => {
      // Unknown or out of reach: 404 as a read answers, so history is no existence oracle.
      if (!page.entries.length && !(await services.store.historyExists(request.haven, type, id)))
        throw FhirError.notFound('not-found', `${type}/${id} is not known`);
    });
    return sendJson(request, reply, 200, json);
  });
}

async function history(
  services: Services,
  request: FastifyRequest,
  target: { resourceType?: string; id?: string },
  check?: (page: HistoryPage) => Promise<void>,
): Promise<string> {
  const query = new URLSearchParams(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '');
  const strict = parsePrefer(request.headers.prefer).handling === 'strict';
  for (const name of new Set(query.keys())) {
    if (!KNOWN.has(name) && strict) throw FhirError.badRequest('unknown-parameter', `History does not support the parameter "${name}"`, [name]);
    if (KNOWN.has(name) && query.getAll(name).length > 1) throw FhirError.badRequest('repeated-parameter', `${name} may appear only once`, [name]);
  }
  const count = pageSize(services.config, query.get('_count') ?? undefined);
  const sinceRaw = query.get('_since');
  const since = sinceRaw === null ? undefined : parseInstant(sinceRaw);
  if (sinceRaw !== null && !since) {
    throw FhirError.badRequest('invalid-parameter', `_since must be an instant with a time zone, e.g. 2026-01-31T12:00:00Z; got "${sinceRaw.slice(0, 40)}"`, [
      '_since',
    ]);
  }
  const cursorRaw = query.get('_cursor');
  const after = cursorRaw === null ? undefined : decodeCursor(cursorRaw, isHistoryCursor);
  const historyQuery: HistoryQuery = { ...target, since, count, after, query: fhirTarget(request) };
  const page = await services.store.history(request.haven, historyQuery);
  await check?.(page);

  const base = services.config.fhirBaseUrl;
  const path = [target.resourceType, target.id, '_history'].filter(Boolean).join('/');
  const link = (cursor?: HistoryCursor) => {
    const params = new URLSearchParams();
    params.set('_count', String(count));
    if (sinceRaw !== null) params.set('_since', sinceRaw);
    if (cursor) params.set('_cursor', encodeCursor(cursor));
    return `${base}/${path}?${params}`;
  };
  const links = [{ relation: 'self', url: link(after) }];
  if (page.next) links.push({ relation: 'next', url: link(page.next) });
  return bundleJson({ type: 'history', link: links, entries: page.entries.map((e) => historyEntry(base, e)) });
}

function historyEntry(base: string, entry: HistoryEntry): EntryText {
  const url = `${entry.resourceType}/${entry.id}`;
  const status = entry.method === 'DELETE' ? '204 No Content' : entry.versionId === 1 || entry.method === 'POST' ? '201 Created' : '200 OK';
  return {
    fullUrl: `${base}/${url}`,
    resourceJson: entry.json ?? undefined,
    request: { method: entry.method, url: entry.method === 'POST' ? entry.resourceType : url },
    response: { status, etag: etag(entry.versionId), lastModified: entry.lastUpdated.toISOString() },
  };
}

function isHistoryCursor(value: unknown): value is HistoryCursor {
  const v = value as HistoryCursor;
  return (
    !!v &&
    typeof v.lastUpdated === 'string' &&
    parseInstant(v.lastUpdated) !== undefined &&
    typeof v.resourceType === 'string' &&
    typeof v.id === 'string' &&
    Number.isInteger(v.versionId)
  );
}
