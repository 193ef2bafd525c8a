// create, update, patch, delete and their conditional forms, each in one database transaction.
import type { FastifyInstance } from 'fastify';
import { smart } from '../auth/hooks.js';
import type { Runtime } from '../runtime.js';
import type { ResourceStore } from '../store/resources.js';
import { parseIfMatch, parsePrefer } from './http.js';
import { parseCriteria } from './interactions/criteria.js';
import { sendWrite } from './reply.js';
import { checkInstance, checkType, header, patchBody, rawQuery, resourceBody, type InstanceParams, type TypeParams } from './request.js';

export function registerWriteRoutes(fhir: FastifyInstance, runtime: Runtime): void {
  fhir.post<{ Params: TypeParams }>(
    '/:type',
    smart({ interaction: (r) => (r.headers['if-none-exist'] !== undefined ? 'conditional-create' : 'create') }),
    async (request, reply) => {
      const services = runtime.services;
      checkType(services, request.params.type);
      const body = resourceBody(request);
      const ifNoneExist = header(request, 'if-none-exist');
      const criteria = ifNoneExist !== undefined ? parseCriteria(ifNoneExist) : undefined;
      const create = (s: ResourceStore) => services.writes.create(s, request.params.type, body, { ifNoneExist: criteria });
      // A plain create is one statement: it commits on its own, without BEGIN and COMMIT round trips.
      const outcome = services.writes.createsAlone(request.params.type, { ifNoneExist: criteria })
        ? await create(services.store.single(request.haven))
        : await services.store.transaction(request.haven, create);
      return sendWrite(request, reply, services.config, outcome, parsePrefer(request.headers.prefer).return);
    },
  );

  fhir.put<{ Params: InstanceParams }>('/:type/:id', smart('update'), async (request, reply) => {
    const services = runtime.services;
    checkInstance(services, request.params);
    const body = resourceBody(request);
    const ifMatch = parseIfMatch(header(request, 'if-match'));
    const outcome = await services.store.transaction(request.haven, (s) =>
      services.writes.update(s, request.params.type, request.params.id, body, { ifMatch }),
    );
    return sendWrite(request, reply, services.config, outcome, parsePrefer(request.headers.prefer).return);
  });

  fhir.put<{ Params: TypeParams }>('/:type', smart('conditional-update'), async (request, reply) => {
    const services = runtime.services;
    checkType(services, request.params.type);
    const body = resourceBody(request);
    const criteria = parseCriteria(rawQuery(request));
    const ifMatch = parseIfMatch(header(request, 'if-match'));
    const outcome = await services.store.transaction(request.haven, (s) =>
      services.writes.conditionalUpdate(s, request.params.type, criteria, body, { ifMatch }),
    );
    return sendWrite(request, reply, services.config, outcome, parsePrefer(request.headers.prefer).return);
  });

  fhir.patch<{ Params: InstanceParams }>('/:type/:id', smart('patch'), async (request, reply) => {
    const services = runtime.services;
    checkInstance(services, request.params);
    const patch = patchBody(request);
    const ifMatch = parseIfMatch(header(request, 'if-match'));
    const outcome = await services.store.transaction(request.haven, (s) =>
      services.writes.patch(s, request.params.type, request.params.id, patch, { ifMatch }),
    );
    return sendWrite(request, reply, services.config, outcome, parsePrefer(request.headers.prefer).return);
  });

  fhir.patch<{ Params: TypeParams }>('/:type', smart('conditional-patch'), async (request, reply) => {
    const services = runtime.services;
    checkType(services, request.params.type);
    const patch = patchBody(request);
    const criteria = parseCriteria(rawQuery(request));
    const ifMatch = parseIfMatch(header(request, 'if-match'));
    const outcome = await services.store.transaction(request.haven, (s) =>
      services.writes.conditionalPatch(s, request.params.type, criteria, patch, { ifMatch }),
    );
    return sendWrite(request, reply, services.config, outcome, parsePrefer(request.headers.prefer).return);
  });

  fhir.delete<{ Params: InstanceParams }>('/:type/:id', smart('delete'), async (request, reply) => {
    const services = runtime.services;
    checkInstance(services, request.params);
    const ifMatch = parseIfMatch(header(request, 'if-match'));
    const outcome = await services.store.transaction(request.haven, (s) => services.writes.delete(s, request.params.type, request.params.id, { ifMatch }));
    return sendWrite(request, reply, services.config, outcome, parsePrefer(request.headers.prefer).return);
  });

  fhir.delete<{ Params: TypeParams }>('/:type', smart('conditional-delete'), async (request, reply) => {
    const services = runtime.services;
    checkType(services, request.params.type);
    const criteria = parseCriteria(rawQuery(request));
    const outcome = await services.store.transaction(request.haven, (s) => services.writes.conditionalDelete(s, request.params.type, criteria));
    return sendWrite(request, reply, services.config, outcome, parsePrefer(request.headers.prefer).return);
  });
}
