// What the store needs to know about the caller: who acts (for the audit trail) and what they may
// see (enforced in the SQL the store builds). The auth layer fills both; the store never looks at
// tokens or HTTP.

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
 * Which resources the caller may see or touch.
 * - `all`: no row-level restriction (system/ tokens, admin, open development mode).
 * - `compartments`: only resources in at least one of the listed compartments, e.g. ["Patient/123"].
 */
export type Access = { kind: 'all' } | { kind: 'compartments'; compartments: string[] };

export interface StoreContext {
  actor: Actor;
  access: Access;
}

export const ALL_ACCESS: Access = { kind: 'all' };
