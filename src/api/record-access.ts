// A record is allowed where the FHIR resources it maps to are allowed (CONTRACT, App records API).
// The route's `smart(...)` declaration has already checked the interaction on every type the record
// always maps to (403 otherwise) and left the per-type Access in request.haven; this turns it into
// the Access of each store call the record routes make.
import type { FastifyRequest } from 'fastify';
import type { Interaction } from '../grammar/interaction.js';
import type { Grant } from '../auth/grant.js';
import type { Authorizer } from '../auth/authorize.js';
import { NO_ACCESS, type Access, type StoreContext } from '../store/context.js';
import type { RecordDefinition } from './record-definition.js';

export interface RecordAccess {
  /** For the record's own resources (and, on writes, what hooks write and look up). */
  ctx: StoreContext;
  /** The access to the main type: also decides whether the patient of the URL is visible. */
  main: Access;
}

export function recordAccess(authorizer: Authorizer, request: FastifyRequest, definition: RecordDefinition, interaction: Interaction): RecordAccess {
  const declared = request.haven.access;
  const types = declared.kind === 'byType' ? { ...declared.types } : {};
  const main = types[definition.mainType] ?? NO_ACCESS;
  const writes = interaction === 'create' || interaction === 'update' || interaction === 'delete';
  if (writes) {
    // What the after-write hooks write (Flag, Communication) and look up (the patient's CareTeams)
    // goes under the main type's access, exactly as for a QuestionnaireResponse posted to /fhir.
    return { ctx: { ...request.haven, access: { kind: 'byType', types, otherTypes: main } }, main };
  }
  // Reads show what hooks wrote only where the token may read it on its own.
  for (const type of definition.hookTypes ?? []) {
    const access = authorizer.tryAuthorize(request.grant as Grant, { interaction, resourceType: type });
    if (access) types[type] = access;
  }
  return { ctx: { ...request.haven, access: { kind: 'byType', types } }, main };
}

/** The access to read a parent record (a medication log's medication): 403 when the token may not. */
export function parentAccess(authorizer: Authorizer, request: FastifyRequest, parent: RecordDefinition): Access {
  return authorizer.authorize(request.grant as Grant, { interaction: 'read', resourceType: parent.mainType });
}
