// A Group as the cohort of a Group export: an `actual` Group whose members are Patients.
// The Group is read through the store (access checked, read audited); its members are the
// Patient references in member.entity that are not `inactive`. An empty Group exports nothing.
import type { FastifyRequest } from 'fastify';
import type { Grant } from '../auth/grant.js';
import { FhirError } from '../errors.js';
import { isReferenceTo } from '../grammar/reference.js';
import type { Authorizer } from '../auth/authorize.js';
import type { Store } from '../store/store.js';
import { readAccess } from './export-access.js';

interface GroupResource {
  resourceType: 'Group';
  actual?: boolean;
  member?: Array<{ entity?: { reference?: string }; inactive?: boolean }>;
}

/** What reading a Group needs of the services: the authorizer, the store and the FHIR base URL. */
export interface GroupServices {
  auth: { authorizer: Authorizer };
  store: Store;
  config: { fhirBaseUrl: string };
}

/** The compartments ("Patient/x") of the Group's active Patient members. */
export async function groupMembers(services: GroupServices, request: FastifyRequest, grant: Grant, id: string): Promise<string[]> {
  const access = readAccess(services.auth.authorizer, grant, 'Group');
  if (!access) throw FhirError.forbidden('scope-missing', 'A Group export needs read access to Group');
  const version = await services.store.reader({ ...request.haven, access }).read('Group', id);
  if (!version || version.deleted || version.json === null) throw FhirError.notFound('not-found', `Group/${id} is not known`);
  const group = JSON.parse(version.json) as GroupResource;
  if (group.actual === false)
    throw FhirError.badRequest('not-exportable', `Group/${id} is a descriptive Group (actual false); only an actual Group of Patients can be exported`);
  const base = `${services.config.fhirBaseUrl}/`;
  const members = new Set<string>();
  for (const m of group.member ?? []) {
    if (m.inactive === true) continue;
    const ref = m.entity?.reference?.startsWith(base) ? m.entity.reference.slice(base.length) : m.entity?.reference;
    if (isReferenceTo(ref, ['Patient'])) members.add(ref);
  }
  return [...members];
}
