// FHIR's RESTful interactions as Haven serves and authorizes them (codes of
// http://hl7.org/fhir/restful-interaction, with the conditional forms SMART scopes tell apart).

export const INTERACTIONS = [
  'read',
  'vread',
  'history-instance',
  'history-type',
  'history-system',
  'search-type',
  'search-system',
  'create',
  'conditional-create',
  'update',
  'conditional-update',
  'patch',
  'conditional-patch',
  'delete',
  'conditional-delete',
] as const;

export type Interaction = (typeof INTERACTIONS)[number];

/** The interactions that return resources: the ones the audit trail records as reads. */
export const READ_INTERACTIONS = [
  'read',
  'vread',
  'history-instance',
  'history-type',
  'history-system',
  'search-type',
  'search-system',
] as const satisfies readonly Interaction[];

export type ReadInteraction = (typeof READ_INTERACTIONS)[number];

/** The interactions that store a version (after-write hooks run on each). */
export const WRITE_INTERACTIONS = ['create', 'update', 'patch', 'delete'] as const satisfies readonly Interaction[];

export type WriteInteraction = (typeof WRITE_INTERACTIONS)[number];

export function isInteraction(value: string): value is Interaction {
  return (INTERACTIONS as readonly string[]).includes(value);
}
