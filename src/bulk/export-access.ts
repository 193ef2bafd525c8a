// Who may export what. Bulk export is for backend services (reference/bulk-data.md section 6):
// only the token's system/ scopes count, each exported type needs read coverage, and nothing else
// in the token (patient/ or user/ scopes) widens or narrows it. The same function serves the
// kick-off, the worker (which rebuilds the access from the stored claims) and the status and file
// routes (the token must still cover the job's types).
import type { Authorizer } from '../auth/authorize.js';
import type { Grant } from '../auth/grant.js';
import { ALL_ACCESS, type Access, type ResourceFilter } from '../store/context.js';
import type { ExportParams, GrantClaims } from '../store/bulk/jobs.js';

/** The claims of a grant worth keeping with a job. */
export function claimsOf(grant: Grant): GrantClaims {
  return {
    issuer: grant.issuer,
    scope: grant.scope,
    ...(grant.clientId ? { clientId: grant.clientId } : {}),
    ...(grant.subject ? { subject: grant.subject } : {}),
    ...(grant.fhirUser ? { fhirUser: grant.fhirUser } : {}),
    ...(grant.patient ? { patient: grant.patient } : {}),
  };
}

/**
 * The client a job belongs to: status, files and DELETE answer only to later tokens of the same
 * client (backend services fetch a new token every few minutes).
 */
export function clientKey(grant: Pick<Grant, 'issuer' | 'clientId' | 'subject'>): string {
  return `${grant.issuer}|${grant.clientId ?? grant.subject ?? ''}`;
}

/** The grant reduced to its system/ scopes. */
export function systemOnly(grant: Grant): Grant {
  return { ...grant, scopes: grant.scopes.filter((s) => s.context === 'system'), admin: grant.admin };
}

export function hasSystemScopes(grant: Grant): boolean {
  return grant.scopes.some((s) => s.context === 'system');
}

/** What the (system-only) grant may read of `type`, or undefined when it may not. */
export function readAccess(authorizer: Authorizer, grant: Grant, type: string): Access | undefined {
  return authorizer.typeAccess(grant, 'r', type);
}

/**
 * The access one type of a job is exported with: the token's own (v2 query restrictions ANDed in,
 * as for search), narrowed to the Group's members' compartments and to the _typeFilter queries
 * (ORed), all compiled into the search statement by the store.
 */
export function exportAccess(tokenAccess: Access, type: string, params: ExportParams): Access {
  const parts: Access[] = [tokenAccess];
  if (params.members) parts.push({ kind: 'compartments', compartments: params.members });
  const filters = params.typeFilters[type];
  if (filters?.length) parts.push({ kind: 'filtered', within: ALL_ACCESS, filter: typeFilter(type, filters) });
  return parts.length === 1 ? parts[0] : { kind: 'allOf', of: parts };
}

/**
 * A _typeFilter as a query restriction: the store compiles its criteria into SQL for searches.
 * `matches` is for single-resource reads, which an export never makes: it admits nothing (fail
 * closed) rather than guess.
 */
function typeFilter(type: string, alternatives: Array<Array<[string, string]>>): ResourceFilter {
  return { resourceType: type, anyOf: alternatives, matches: () => false };
}
