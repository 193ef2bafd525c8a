// Turning results into HTTP answers: stored JSON goes out as stored, with FHIR's version headers.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { StoredVersion } from '../store/resources.js';
import { etag, FHIR_JSON_UTF8, type PreferReturn } from './http.js';
import type { WriteOutcome } from './interactions/write.js';
import { informational } from './outcome.js';
import { parseStored, stringifyLossless } from '../json/lossless.js';

/** Sends JSON text; `_pretty=true` re-indents it (the only time Haven re-serialises stored JSON). */
export function sendJson(request: FastifyRequest, reply: FastifyReply, status: number, json: string): FastifyReply {
  const pretty = (request.query as Record<string, unknown> | undefined)?._pretty === 'true';
  return reply
    .code(status)
    .type(request.responseType ?? FHIR_JSON_UTF8)
    .send(pretty ? stringifyLossless(parseStored(json), 2) : json);
}

export function versionHeaders(reply: FastifyReply, version: StoredVersion): FastifyReply {
  return reply.header('ETag', etag(version.versionId)).header('Last-Modified', version.lastUpdated.toUTCString());
}

export function locationOf(config: Config, version: StoredVersion): string {
  return `${config.fhirBaseUrl}/${version.resourceType}/${version.id}/_history/${version.versionId}`;
}

/** The answer to a write, shaped by Prefer: return=minimal | representation | OperationOutcome. */
export function sendWrite(request: FastifyRequest, reply: FastifyReply, config: Config, outcome: WriteOutcome, prefer: PreferReturn | undefined): FastifyReply {
  const { version } = outcome;
  if (version) {
    versionHeaders(reply, version);
    if (outcome.status === 201 || (outcome.status === 200 && !version.deleted)) reply.header('Location', locationOf(config, version));
  }
  if (outcome.status === 204 || !version || version.json === null) {
    if (prefer === 'OperationOutcome') {
      const message = version?.deleted ? `Deleted ${version.resourceType}/${version.id}` : 'Nothing to delete';
      return sendJson(request, reply, 200, JSON.stringify(informational(message)));
    }
    return reply.code(204).send();
  }
  if (prefer === 'minimal') return reply.code(outcome.status).send();
  if (prefer === 'OperationOutcome') {
    const verb = outcome.status === 201 ? 'Created' : 'Updated';
    return sendJson(
      request,
      reply,
      outcome.status,
      JSON.stringify(informational(`${verb} ${version.resourceType}/${version.id} version ${version.versionId}`)),
    );
  }
  return sendJson(request, reply, outcome.status, version.json);
}
