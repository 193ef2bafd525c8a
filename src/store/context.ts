// What the store needs to know about the caller: who acts (for the audit trail) and what they may
// see (enforced in the SQL the store builds). The auth layer fills both; the store never looks at
// tokens or HTTP.
import type { Resource } from '@medplum/fhirtypes';

export interface Actor {
  requestId: string;
  /** OAuth client id of the token. */
  clientId?: string;
  /** Token subject (`sub`). */
  subject?: string;
  /** `fhirUser` claim, e.g. "Practitioner/123". */
  fhirUser?: string;
  /** Patient launch context, e.g. "123". */
  patient?: string;
  /** Client address as seen by the server (after trusted proxies). */
  sourceAddress?: string;
}

/**
 * Which resources the caller may see or touch: data that the auth layer builds and the store turns
 * into SQL (src/store/access.ts, `accessCondition`). Kinds compose, so one value can say "Observations
 * of patient A that are vital signs, and any Practitioner".
 * - `all`: no row-level restriction (system/ tokens, admin).
 * - `none`: nothing (the default before authorization has run: forgetting it fails closed).
 * - `compartments`: resources in at least one of the listed compartments, e.g. ["Patient/123"].
 * - `careTeam`: resources in the compartments of the patients whose active CareTeam lists `member`
 *   ("Practitioner/1" or "PractitionerRole/2") as a participant, directly or, for a Practitioner,
 *   through one of their PractitionerRoles. Computed in SQL at each statement, so leaving the
 *   CareTeam ends the access at once. The patient is the CareTeam's subject as the index parsed it
 *   (a local Patient, one of the CareTeam's compartments), never the reference text (issue 20).
 * - `consent`: resources in the compartments of the patients whose active Consent permits `actor`
 *   (e.g. "RelatedPerson/5"), limited to the resource types the Consent's provision.class names.
 * - `types`: every resource of the listed types.
 * - `anyOf`: the union of the parts; `allOf`: their intersection.
 * - `byType`: a rule per resource type, and `otherTypes` for the rest (none when absent): the
 *   access of system-level search and history, where each type may have its own scope.
 * - `filtered`: `within`, and only resources that match `filter` (a SMART v2 query restriction such
 *   as `Observation.rs?category=vital-signs`).
 */
export type Access =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'compartments'; compartments: string[] }
  | { kind: 'careTeam'; member: string }
  | { kind: 'consent'; actor: string }
  | { kind: 'types'; types: string[] }
  | { kind: 'anyOf'; of: Access[] }
  | { kind: 'allOf'; of: Access[] }
  | { kind: 'byType'; types: Readonly<Record<string, Access>>; otherTypes?: Access }
  | { kind: 'filtered'; within: Access; filter: ResourceFilter };

/** A query restriction on one resource type: the criteria as data, and their evaluation in Node. */
export interface ResourceFilter {
  resourceType: string;
  /** Alternatives (OR), each a list of search parameters that must all match (AND). */
  anyOf: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
  /** Whether a stored or submitted resource matches (used where the store holds the resource). */
  matches(resource: Resource): boolean;
}

/**
 * What the resources a search reaches beyond its matches may be: included ones (_include,
 * _revinclude) must be readable by the caller, chained and _has ones searchable, each by the
 * caller's rights on their own type. Without it a search applies `access` to them too.
 */
export interface RelatedAccess {
  include: Access;
  chain: Access;
}

export interface StoreContext {
  actor: Actor;
  access: Access;
  /** For searches: the access of included and chained resources (see RelatedAccess). */
  related?: RelatedAccess;
}

export const ALL_ACCESS: Access = { kind: 'all' };
export const NO_ACCESS: Access = { kind: 'none' };
