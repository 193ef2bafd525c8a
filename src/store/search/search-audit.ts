// How a search is recorded in the audit trail: apart from run.ts so that include.ts, which run.ts
// calls, can take it without importing run.ts back.
import type { AccessAuditOptions, AccessEvent } from '../audit.js';
import type { Actor } from '../context.js';

/** Who searches, how the search is described in the audit trail, and how its record commits. */
export interface SearchAudit {
  actor: Actor;
  event: AccessEvent;
  options: AccessAuditOptions;
}
