// read and vread.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { StoredVersion } from '../store/resources.js';
import { etag } from './http.js';
import { sendJson, versionHeaders } from './reply.js';
import { checkInstance, header, type InstanceParams } from './request.js';
import { subsetOptions } from './subset.js';

export function registerReadRoutes(fhir: FastifyInstance, runtime: Runtime): void {
  fhir.get<{ Params: InstanceParams }>('/:type/:id', smart('read'), async (request, reply) => {
    const services = runtime.services;
    checkInstance(services, request.params);
    const { type, id } = request.params;
    const version = await services.store.reader(request.haven).read(type, id);
    if (!version) throw FhirError.notFound('not-found', `${type}/${id} is not known`);
    if (version.deleted) {
      reply.header('ETag', etag(version.versionId));
      throw FhirError.gone('deleted', `${type}/${id} was deleted`);
    }
    if (notModified(request, version)) return versionHeaders(reply, version).code(304).send();
    const subset = subsetOptions(request.query as Record<string, unknown>);
    return sendJson(request, versionHeaders(reply, version), 200, services.subsetter.apply(version.json as string, subset));
  });

  fhir.get<{ Params: InstanceParams & { vid: string } }>('/:type/:id/_history/:vid', smart('vread'), async (request, reply) => {
    const services = runtime.services;
    checkInstance(services, request.params);
    const { type, id, vid } = request.params;
    if (!/^[1-9]\d{0,8}$/.test(vid)) throw FhirError.notFound('unknown-version', `${type}/${id} has no version "${vid.slice(0, 20)}"`);
    const version = await services.store.reader(request.haven).vread(type, id, Number(vid));
    if (!version) throw FhirError.notFound('unknown-version', `${type}/${id} has no version ${vid}`);
    if (version.deleted) {
      reply.header('ETag', etag(version.versionId));
      throw FhirError.gone('deleted', `Version ${vid} of ${type}/${id} is a deletion`);
    }
    const subset = subsetOptions(request.query as Record<string, unknown>);
    return sendJson(request, versionHeaders(reply, version), 200, services.subsetter.apply(version.json as string, subset));
  });
}

/** Conditional read: If-None-Match (ETag) or If-Modified-Since (HTTP date, second precision). */
function notModified(request: FastifyRequest, version: StoredVersion): boolean {
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(`"${version.versionId}"`);
  }
  const since = header(request, 'if-modified-since');
  if (since !== undefined) {
    const time = Date.parse(since);
    return !Number.isNaN(time) && Math.floor(version.lastUpdated.getTime() / 1000) * 1000 <= time;
  }
  return false;
}
