// Recording who saw what. Changes are recorded by the database triggers (migrations/*_audit.sql);
// reads are recorded by the read statement itself: a statement that returns resources to a caller
// adds one data-modifying CTE that inserts its audit rows, so the read and its record are a single
// round trip and commit together. docs/audit.md shows how a search statement uses it.
import { FhirError } from '../errors.js';
import type { ReadInteraction } from '../grammar/interaction.js';
import type { Actor } from './context.js';
import type { Queryable } from './db.js';
import { Statement } from './statement.js';

/** restful-interaction codes (http://hl7.org/fhir/restful-interaction) of the interactions that return resources. */
export type AccessInteraction = ReadInteraction;

export interface AccessEvent {
  interaction: AccessInteraction;
  /** The resource type the request names (instance and type level). */
  resourceType?: string;
  /** The id the request names (read, vread, instance history). */
  id?: string;
  /** The version the request names (vread). */
  versionId?: number;
  /** The request below the FHIR base, e.g. "Observation?code=8867-4" (searches and histories). */
  query?: string;
}

/** The name of the CTE that addAccessAudit adds; a statement can have one. */
export const ACCESS_AUDIT_CTE = 'haven_audit';

export interface AccessAuditOptions {
  /**
   * Commit the read's audit row without waiting for the WAL flush (synchronous_commit off, for
   * this statement's transaction only). Only for statements that run on their own (autocommit):
   * inside a transaction that also writes, it would make the writes asynchronous too. A read
   * audited this way survives any stop of Haven and a clean shutdown of PostgreSQL; only a crash of
   * the database server can lose the last fraction of a second of read records, never a change or
   * its record (see docs/audit.md).
   */
  asyncCommit?: boolean;
}

/**
 * Adds to `stmt` the CTE that records what the statement returns to the caller.
 *
 * `returned` names a CTE holding exactly the rows the caller receives, with the columns
 * resource_type, id, version_id, deleted and compartments: one row per resource or version
 * returned (included resources too), none when nothing is returned.
 *
 * As BALP asks, there is one audit row per patient whose data was returned (the patient
 * compartments of the rows), plus one for returned resources in no patient compartment, or a
 * single row when nothing was returned (the database function audit_access_rows). Each records the
 * actor, the interaction (action R, or E for searches), the resources returned (Type/id) and how
 * many, the patient, and the query. So an event never names another patient's resources to a
 * patient reading their own accounting of disclosures. A read or vread that returns nothing, or
 * only a deletion, is a minor failure (4).
 */
export function addAccessAudit(stmt: Statement, actor: Actor, returned: string, event: AccessEvent, options: AccessAuditOptions = {}): void {
  const singleTarget = event.interaction === 'read' || event.interaction === 'vread';
  const fields = [
    event.interaction.startsWith('search') ? 'E' : 'R',
    event.interaction,
    actor.requestId,
    actor.clientId,
    actor.subject,
    actor.fhirUser,
    actor.patient,
    actor.sourceAddress,
    event.resourceType,
    event.id,
    event.query,
  ].map((v) => v ?? null);
  const target = event.resourceType && event.id !== undefined ? `${event.resourceType}/${event.id}` : null;
  stmt.with(
    ACCESS_AUDIT_CTE,
    `INSERT INTO audit_log (action, interaction, request_id, client_id, subject, fhir_user, launch_patient, source_address,
        entity_type, entity_id, query, outcome, entity_version, result_count, entity_refs, compartments)
      SELECT * FROM audit_access_rows(${stmt.param(fields)}::text[], ${singleTarget}, ${stmt.param(event.versionId ?? null)}::integer,
        ${stmt.param(target)}::text,
        (SELECT array_agg((r.resource_type, r.id, r.version_id, r.deleted, r.compartments)::audit_returned) FROM ${returned} r))
      ${options.asyncCommit ? `WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL` : ''}`,
  );
}

/** A version handed to the caller, by its key in resource_history. */
export interface ReturnedVersion {
  resourceType: string;
  id: string;
  versionId: number;
}

/**
 * Records what a read returned when the statement that fetched it could not decide alone: query
 * restrictions are evaluated on the fetched versions in Node, so the record is written once they
 * are known, in a statement of its own, naming exactly the versions the caller receives. The caller
 * must not answer before this resolves.
 */
export async function recordReturned(
  q: Queryable,
  actor: Actor,
  returned: readonly ReturnedVersion[],
  event: AccessEvent,
  options: AccessAuditOptions = {},
): Promise<void> {
  const stmt = new Statement();
  stmt.with(
    'shown',
    `SELECT h.resource_type, h.id, h.version_id, h.deleted, h.compartments FROM resource_history h
      JOIN unnest(${stmt.param(returned.map((r) => r.resourceType))}::text[], ${stmt.param(returned.map((r) => r.id))}::text[],
        ${stmt.param(returned.map((r) => r.versionId))}::integer[]) k(resource_type, id, version_id)
      ON h.resource_type = k.resource_type AND h.id = k.id AND h.version_id = k.version_id`,
  );
  addAccessAudit(stmt, actor, 'shown', event, options);
  await q.query(stmt.build('SELECT 1'), stmt.params);
}

/** AuditEvents are the audit log's view, never stored resources: every way of writing one answers this. */
export function auditEventsAreReadOnly(): FhirError {
  return FhirError.of('read-only', 405, 'not-supported', 'AuditEvents are recorded by the server; they cannot be created, changed or deleted');
}

/** A request refused with 401 or 403, as the audit trail keeps it: no ids, no query, no diagnostics. */
export interface Denial {
  status: 401 | 403;
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  interaction: string;
  /** The resource type the request named, when it named a known one. */
  resourceType?: string;
  /** What was refused, without PHI, e.g. "403 Forbidden: GET /fhir/:type/:id". */
  description: string;
}

/** Records a refused request as a failed event (outcome 4, minor failure). */
export async function recordDenial(q: Queryable, actor: Actor, denial: Denial): Promise<void> {
  const values = [denial.action, denial.interaction, denial.description, ...actorValues(actor), denial.resourceType ?? null];
  await q.query(
    `INSERT INTO audit_log (action, interaction, outcome, outcome_desc, request_id, client_id, subject, fhir_user,
        launch_patient, source_address, entity_type)
      VALUES ($1, $2, 4, $3, $4, $5, $6, $7, $8, $9, $10)`,
    values,
  );
}

function actorValues(actor: Actor): Array<string | null> {
  return [actor.requestId, actor.clientId, actor.subject, actor.fhirUser, actor.patient, actor.sourceAddress].map((v) => v ?? null);
}
