// Reading the parts of a FHIR request that every route needs: the resource type and id of the URL,
// the body's media type, the version headers.
import type { FastifyRequest } from 'fastify';
import { FhirError } from '../errors.js';
import type { ResourceValidator } from './validate.js';
import { checkId, JSON_PATCH, mediaType, RESOURCE_MEDIA_TYPES } from './http.js';

export interface TypeParams {
  type: string;
}

export interface InstanceParams extends TypeParams {
  id: string;
}

/** What the checks need of the services: the resource types the validator knows. */
export interface TypeChecking {
  validator: Pick<ResourceValidator, 'resourceTypes'>;
}

export function checkType(services: TypeChecking, type: string): void {
  if (!services.validator.resourceTypes.has(type)) {
    throw FhirError.of('unknown-type', 404, 'not-supported', `Resource type "${type.slice(0, 64)}" is not an R4 resource type this server supports`);
  }
}

export function checkInstance(services: TypeChecking, params: InstanceParams): void {
  checkType(services, params.type);
  checkId(params.id);
}

/** The body of a request that must carry a FHIR resource; 415 for other media types. */
export function resourceBody(request: FastifyRequest): unknown {
  const type = mediaType(request.headers['content-type']);
  if (!type || !RESOURCE_MEDIA_TYPES.includes(type)) {
    throw FhirError.of(
      'unsupported-media-type',
      415,
      'not-supported',
      `A resource must be sent as application/fhir+json, not ${type ?? 'without Content-Type'}`,
    );
  }
  if (request.body === undefined || request.body === null) throw FhirError.badRequest('malformed-body', 'The request has no body');
  return request.body;
}

/** The body of a PATCH: JSON Patch only (FHIRPath Patch is not supported). */
export function patchBody(request: FastifyRequest): unknown {
  const type = mediaType(request.headers['content-type']);
  if (type !== JSON_PATCH) {
    throw FhirError.of(
      'unsupported-media-type',
      415,
      'not-supported',
      `PATCH accepts ${JSON_PATCH}${type === 'application/fhir+json' ? '; FHIRPath Patch (Parameters) is not supported' : ''}, not ${type ?? 'a body without Content-Type'}`,
    );
  }
  if (request.body === undefined || request.body === null) throw FhirError.badRequest('malformed-body', 'The PATCH has no body');
  return request.body;
}

/** The request below the FHIR base, e.g. "Observation?code=8867-4": what the audit trail records as the query. */
export function fhirTarget(request: FastifyRequest): string {
  return request.url.replace(/^\/fhir\/?/, '');
}

/** The raw query string of the request (without '?'), for conditional criteria. */
export function rawQuery(request: FastifyRequest): string {
  const at = request.url.indexOf('?');
  return at < 0 ? '' : request.url.slice(at + 1);
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
