// The five routes of one record kind under /api/v1/patients/:patientId/: POST creates, GET lists
// (newest first, ?from=&to=&limit=), GET, PUT and DELETE act on one record. Thin: parse and check
// the request, then the reader or writer, through the same store, authorization and audit as FHIR.
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import type { Interaction } from '../grammar/interaction.js';
import { isFhirId } from '../grammar/id.js';
import type { Runtime, Services } from '../runtime.js';
import { parseListQuery } from './list-query.js';
import { parentAccess, recordAccess, type RecordAccess } from './record-access.js';
import type { RecordDefinition } from './record-definition.js';
import { belongs, callerReader, type RecordScope } from './record-reader.js';
import { checkPatient, notFound, parentRecord, RecordWriter, type WriteTarget } from './record-writer.js';

interface ScopeParams {
  patientId: string;
  parentId?: string;
}
interface RecordParams extends ScopeParams {
  id: string;
}

const JSON_UTF8 = 'application/json; charset=utf-8';
/** FHIR ids: anything else in the URL names no record (404, as an unknown id). */

export function registerRecordRoutes(api: FastifyInstance, runtime: Runtime, definition: RecordDefinition): void {
  const collection = `/patients/:patientId/${definition.path}`;
  const instance = `${collection}/:id`;
  const declare = (interaction: Interaction) => smart({ interaction, resourceType: definition.types });

  api.post<{ Params: ScopeParams }>(collection, declare('create'), async (request, reply) => {
    const services = runtime.services;
    const scope = scopeOf(definition, request.params);
    const record = definition.validate(request.body, new Date());
    const stored = await writer(services).create(writeTarget(services, request, definition, scope, 'create'), record);
    reply.header('Location', `${services.config.baseUrl}/api/v1/patients/${scope.patientId}/${pathOf(definition, scope)}/${stored.id}`);
    return send(reply, 201, stored);
  });

  api.get<{ Params: ScopeParams }>(collection, declare('search-type'), async (request, reply) => {
    const services = runtime.services;
    const scope = scopeOf(definition, request.params);
    const query = parseListQuery(request.query);
    const { ctx } = await checkReadScope(services, request, definition, scope, 'search-type');
    const records = await callerReader(services.search, services.store, ctx).list(definition, scope, query);
    return send(reply, 200, { records, count: records.length, limit: query.limit });
  });

  api.get<{ Params: RecordParams }>(instance, declare('read'), async (request, reply) => {
    const services = runtime.services;
    const scope = scopeOf(definition, request.params);
    const id = recordId(definition, scope, request.params.id);
    const { ctx } = await checkReadScope(services, request, definition, scope, 'read');
    const version = await services.store.reader(ctx).read(definition.mainType, id);
    const resource = version?.json ? (JSON.parse(version.json) as Resource) : undefined;
    if (!resource || !belongs(definition, resource, scope)) throw notFound(definition, scope, id);
    const record = await callerReader(services.search, services.store, ctx).one(definition, resource);
    return send(reply, 200, record);
  });

  api.put<{ Params: RecordParams }>(instance, declare('update'), async (request, reply) => {
    const services = runtime.services;
    const scope = scopeOf(definition, request.params);
    const id = recordId(definition, scope, request.params.id);
    const record = definition.validate(request.body, new Date());
    const stored = await writer(services).replace(writeTarget(services, request, definition, scope, 'update'), id, record);
    return send(reply, 200, stored);
  });

  api.delete<{ Params: RecordParams }>(instance, declare('delete'), async (request, reply) => {
    const services = runtime.services;
    const scope = scopeOf(definition, request.params);
    const id = recordId(definition, scope, request.params.id);
    await writer(services).remove(writeTarget(services, request, definition, scope, 'delete'), id);
    return reply.code(204).send();
  });

  // Paths that exist but not with this method: 405, as on /fhir.
  const notAllowed = (allowed: string) => async (): Promise<never> => {
    throw FhirError.of('method-not-allowed', 405, 'not-supported', `This path takes ${allowed}`);
  };
  api.route({ method: ['PUT', 'PATCH', 'DELETE'], url: collection, ...smart('token'), handler: notAllowed('POST and GET') });
  api.route({ method: ['POST', 'PATCH'], url: instance, ...smart('token'), handler: notAllowed('GET, PUT and DELETE') });
}

/** 404 unless the patient (and the parent record) of the URL exist and the token reaches them; the access to read with. */
async function checkReadScope(
  services: Services,
  request: FastifyRequest,
  definition: RecordDefinition,
  scope: RecordScope,
  interaction: Interaction,
): Promise<RecordAccess> {
  const access = recordAccess(services.auth.authorizer, request, definition, interaction);
  const reader = services.store.reader(access.ctx);
  await checkPatient(reader.as(access.main), scope.patientId);
  if (definition.parent) await parentRecord(reader.as(parentAccess(services.auth.authorizer, request, definition.parent.definition)), definition, scope);
  return access;
}

function writer(services: Services): RecordWriter {
  return new RecordWriter(services.store, services.writes, services.search);
}

function writeTarget(services: Services, request: FastifyRequest, definition: RecordDefinition, scope: RecordScope, interaction: Interaction): WriteTarget {
  const { ctx, main } = recordAccess(services.auth.authorizer, request, definition, interaction);
  const parent = definition.parent ? parentAccess(services.auth.authorizer, request, definition.parent.definition) : undefined;
  return { definition, scope, ctx, main, ...(parent ? { parent } : {}) };
}

/** The patient (and parent record) of the URL; ids that cannot exist answer 404 at once. */
function scopeOf(definition: RecordDefinition, params: ScopeParams): RecordScope {
  if (!isFhirId(params.patientId)) throw FhirError.notFound('not-found', `Patient/${params.patientId.slice(0, 64)} is not known`);
  if (!definition.parent || params.parentId === undefined) return { patientId: params.patientId };
  if (!isFhirId(params.parentId)) throw FhirError.notFound('not-found', `No record ${params.parentId.slice(0, 64)} of Patient/${params.patientId}`);
  return { patientId: params.patientId, parentReference: `${definition.parent.definition.mainType}/${params.parentId}` };
}

function recordId(definition: RecordDefinition, scope: RecordScope, id: string): string {
  if (!isFhirId(id)) throw notFound(definition, scope, id.slice(0, 64));
  return id;
}

function pathOf(definition: RecordDefinition, scope: RecordScope): string {
  return definition.path.replace(':parentId', scope.parentReference?.split('/')[1] ?? '');
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(JSON_UTF8).send(JSON.stringify(body));
}
