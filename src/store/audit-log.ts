// Reading the audit log: the rows behind GET /fhir/AuditEvent, newest first, filtered by the
// caller's access like any resource (an event is in the compartments of the resources it concerns),
// and audited themselves: looking at who saw a record is an access too.
import { accessCondition } from './access.js';
import { addAccessAudit, type AccessAuditOptions } from './audit.js';
import type { Access, StoreContext } from './context.js';
import type { Queryable } from './db.js';
import { Statement } from './statement.js';

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/** One row of the audit log, as the AuditEvent view needs it. */
export interface AuditRecord {
  id: string;
  /** The instant in UTC with microseconds, e.g. 2026-01-31T12:00:00.123456Z. */
  recorded: string;
  action: AuditAction;
  /** restful-interaction code. */
  interaction: string;
  outcome: 0 | 4 | 8 | 12;
  outcomeDesc?: string;
  requestId?: string;
  clientId?: string;
  subject?: string;
  fhirUser?: string;
  launchPatient?: string;
  sourceAddress?: string;
  entityType?: string;
  entityId?: string;
  entityVersion?: number;
  query?: string;
  resultCount?: number;
  entityRefs: string[];
  compartments: string[];
  /**
   * The patients of this event (its compartments, the token's launch patient, a patient who acted) that the reader
   * may see, as "Patient/x"; absent when the reader sees everything. The view names no one else.
   */
  viewerCompartments?: string[];
}

/** A FHIR date search value, resolved by the database: the range [start, start + span). */
export interface AuditDateValue {
  prefix: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
  /** Local date-time "YYYY-MM-DDTHH:MM:SS.fff". */
  local: string;
  /** "Z" or "+02:00"; absent when the value had no zone (then AuditSearch.timeZone applies). */
  offset?: string;
  /** The value's precision as an interval, e.g. "1 month". */
  span: string;
}

/** A reference search value: "Type/id", or an id of any type. */
export interface AuditReference {
  type?: string;
  id: string;
}

/** One search parameter occurrence; its values are alternatives (OR). */
export type AuditFilter =
  | { param: '_id'; values: string[] }
  | { param: 'date'; values: AuditDateValue[] }
  | { param: 'patient'; values: string[] }
  | { param: 'entity'; values: AuditReference[] }
  | { param: 'agent'; values: AuditReference[] }
  | { param: 'agent-identifier'; values: string[] }
  | { param: 'action'; values: string[] }
  | { param: 'subtype'; values: string[] }
  | { param: 'outcome'; values: number[] };

export interface AuditCursor {
  recorded: string;
  id: string;
}

export interface AuditSearch {
  /** Every filter must hold (AND). */
  filters: AuditFilter[];
  /** IANA zone of date values without one. */
  timeZone: string;
  count: number;
  after?: AuditCursor;
  /** The request below the FHIR base, recorded in the audit row of this search. */
  query?: string;
}

export interface AuditPage {
  records: AuditRecord[];
  next?: AuditCursor;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const COLUMNS = `a.id AS uid, a.id::text AS id, to_char(a.recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at,
  a.recorded, a.action, a.interaction, a.outcome, a.outcome_desc, a.request_id, a.client_id, a.subject, a.fhir_user,
  a.launch_patient, a.source_address, a.entity_type, a.entity_id, a.entity_version, a.query, a.result_count,
  a.entity_refs, a.compartments`;

/** The rows a statement hands to addAccessAudit: one per AuditEvent returned. */
const AS_RETURNED = `SELECT 'AuditEvent'::text AS resource_type, id, 1 AS version_id, false AS deleted, compartments`;

/** An audit_log row as SQL returns it (id as text). */
export interface AuditLogRow {
  id: string;
  action: AuditAction;
  interaction: string;
  outcome: 0 | 4 | 8 | 12;
  outcome_desc: string | null;
  request_id: string | null;
  client_id: string | null;
  subject: string | null;
  fhir_user: string | null;
  launch_patient: string | null;
  source_address: string | null;
  entity_type: string | null;
  entity_id: string | null;
  entity_version: number | null;
  query: string | null;
  result_count: number | null;
  entity_refs: string[];
  compartments: string[];
}

interface AuditRow extends AuditLogRow {
  recorded_at: string;
  viewer_compartments: string[] | null;
}

export class AuditLog {
  constructor(
    private readonly q: Queryable,
    /** How these reads commit their own audit rows (they run outside transactions). */
    private readonly readAudit: AccessAuditOptions = {},
  ) {}

  /** A page of events matching every filter and visible to the caller, newest first. */
  async search(ctx: StoreContext, search: AuditSearch): Promise<AuditPage> {
    const stmt = new Statement();
    const where = [visible(ctx.access, 'av', stmt), ...search.filters.map((f) => filterCondition(f, search.timeZone, stmt))];
    if (search.after) {
      where.push(`(a.recorded, a.id) < (${stmt.param(search.after.recorded)}::timestamptz, ${stmt.param(search.after.id)}::uuid)`);
    }
    stmt.with(
      'page',
      `SELECT ${COLUMNS}, ${viewerCompartments(ctx.access, stmt)} AS viewer_compartments FROM ${AUDIT_ROWS} WHERE ${where.join(' AND ')}
        ORDER BY a.recorded DESC, a.id DESC LIMIT ${stmt.param(search.count + 1)}`,
    );
    stmt.with('shown', `${AS_RETURNED} FROM page ORDER BY recorded DESC, uid DESC LIMIT ${stmt.param(search.count)}`);
    addAccessAudit(stmt, ctx.actor, 'shown', { interaction: 'search-type', resourceType: 'AuditEvent', query: search.query }, this.readAudit);
    const { rows } = await this.q.query<AuditRow>(stmt.build('SELECT * FROM page ORDER BY recorded DESC, uid DESC'), stmt.params);
    const records = rows.slice(0, search.count).map(toRecord);
    const last = records[records.length - 1];
    return { records, next: rows.length > search.count && last ? { recorded: last.recorded, id: last.id } : undefined };
  }

  /** One event by id, when it exists and the caller may see it. */
  async read(ctx: StoreContext, id: string): Promise<AuditRecord | undefined> {
    const stmt = new Statement();
    // A UUIDv7 carries the millisecond it was recorded in: that finds the partition.
    const at = UUID.test(id) ? Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16) : undefined;
    const where =
      at === undefined
        ? 'FALSE'
        : `a.id = ${stmt.param(id)}::uuid AND a.recorded >= ${stmt.param(new Date(at).toISOString())}::timestamptz
            AND a.recorded < ${stmt.param(new Date(at + 1).toISOString())}::timestamptz AND ${visible(ctx.access, 'av', stmt)}`;
    stmt.with('found', `SELECT ${COLUMNS}, ${viewerCompartments(ctx.access, stmt)} AS viewer_compartments FROM ${AUDIT_ROWS} WHERE ${where}`);
    stmt.with('shown', `${AS_RETURNED} FROM found`);
    addAccessAudit(stmt, ctx.actor, 'shown', { interaction: 'read', resourceType: 'AuditEvent', id }, this.readAudit);
    const { rows } = await this.q.query<AuditRow>(stmt.build('SELECT * FROM found'), stmt.params);
    return rows[0] && toRecord(rows[0]);
  }
}

/**
 * audit_log rows `a`, each with `av`: the event as the access rule sees a resource (resource_type
 * AuditEvent, its compartments), since the rule's parts (consents, types) look at resource_type.
 */
const AUDIT_ROWS = `audit_log a CROSS JOIN LATERAL (SELECT 'AuditEvent'::text AS resource_type, a.compartments) av`;

/**
 * The events a caller may see: those in the compartments of its access, which for an event means
 * the compartments of the resources it concerns or a patient who acted (the R4 patient compartment
 * of AuditEvent: entity.what or agent.who).
 */
function visible(access: Access, alias: string, stmt: Statement): string {
  if (access.kind !== 'compartments') return accessCondition(access, alias, stmt);
  return `(${accessCondition(access, alias, stmt)} OR ${patientAgent(access.compartments, stmt)})`;
}

/**
 * The patients of an event (compartments, launch patient, a patient who acted) the caller may see, each tested alone
 * by the access rule; NULL for callers that see everything.
 */
function viewerCompartments(access: Access, stmt: Statement): string {
  if (access.kind === 'all') return 'NULL::text[]';
  const patients = `a.compartments || CASE WHEN a.launch_patient IS NULL THEN '{}'::text[] ELSE ARRAY['Patient/' || a.launch_patient] END
    || CASE WHEN a.fhir_user LIKE 'Patient/%' THEN ARRAY[a.fhir_user] ELSE '{}'::text[] END`;
  return `ARRAY(SELECT DISTINCT p.patient FROM (SELECT 'AuditEvent'::text AS resource_type, ARRAY[u.c] AS compartments, u.c AS patient
      FROM unnest(${patients}) u(c)) p WHERE ${accessCondition(access, 'p', stmt)})`;
}

/** The acting user is one of these patients (index: audit_log_patient_agent). */
function patientAgent(patients: string[], stmt: Statement): string {
  return `(a.fhir_user LIKE 'Patient/%' AND a.fhir_user = ANY(${stmt.param(patients)}::text[]))`;
}

function filterCondition(filter: AuditFilter, timeZone: string, stmt: Statement): string {
  const any = (alternatives: string[]) => (alternatives.length ? `(${alternatives.join(' OR ')})` : 'FALSE');
  switch (filter.param) {
    case '_id': {
      const ids = filter.values.filter((v) => UUID.test(v));
      return ids.length ? `a.id = ANY(${stmt.param(ids)}::uuid[])` : 'FALSE';
    }
    case 'date':
      return any(filter.values.map((v) => dateCondition(v, timeZone, stmt)));
    case 'patient':
      return `(a.compartments && ${stmt.param(filter.values)}::text[] OR ${patientAgent(filter.values, stmt)})`;
    case 'entity':
      return any(filter.values.map((r) => referenceCondition(r, stmt)));
    case 'agent':
      return any(
        filter.values.map((r) => (r.type ? `a.fhir_user = ${stmt.param(`${r.type}/${r.id}`)}` : `split_part(a.fhir_user, '/', 2) = ${stmt.param(r.id)}`)),
      );
    case 'agent-identifier': {
      const values = stmt.param(filter.values);
      return `(a.client_id = ANY(${values}::text[]) OR (a.fhir_user IS NULL AND a.subject = ANY(${values}::text[])))`;
    }
    case 'action':
      return `a.action = ANY(${stmt.param(filter.values)}::text[])`;
    case 'subtype':
      return `a.interaction = ANY(${stmt.param(filter.values)}::text[])`;
    case 'outcome':
      return `a.outcome = ANY(${stmt.param(filter.values)}::smallint[])`;
  }
}

/** Events concerning Type/id (index-backed), or any resource with this id. */
function referenceCondition(reference: AuditReference, stmt: Statement): string {
  if (reference.type) return `a.entity_refs @> ARRAY[${stmt.param(`${reference.type}/${reference.id}`)}::text]`;
  return `EXISTS (SELECT 1 FROM unnest(a.entity_refs) ref WHERE split_part(ref, '/', 2) = ${stmt.param(reference.id)})`;
}

/** `recorded` (an instant) against the range of a date value, per FHIR's prefixes. */
function dateCondition(value: AuditDateValue, timeZone: string, stmt: Statement): string {
  // Only the bounds a prefix needs become parameters (an unused parameter has no type).
  const bound = (withSpan: boolean) => {
    const span = withSpan ? ` + ${stmt.param(value.span)}::interval` : '';
    if (value.offset !== undefined) return `(${stmt.param(value.local + value.offset)}::timestamptz${span})`;
    return `((${stmt.param(value.local)}::timestamp${span}) AT TIME ZONE ${stmt.param(timeZone)}::text)`;
  };
  switch (value.prefix) {
    case 'eq':
      return `(a.recorded >= ${bound(false)} AND a.recorded < ${bound(true)})`;
    case 'ne':
      return `(a.recorded < ${bound(false)} OR a.recorded >= ${bound(true)})`;
    case 'lt':
      return `a.recorded < ${bound(false)}`;
    case 'le':
      return `a.recorded < ${bound(true)}`;
    case 'gt':
      return `a.recorded >= ${bound(true)}`;
    case 'ge':
      return `a.recorded >= ${bound(false)}`;
  }
}

function toRecord(row: AuditRow): AuditRecord {
  const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
  return {
    id: row.id,
    recorded: row.recorded_at,
    action: row.action,
    interaction: row.interaction,
    outcome: row.outcome,
    outcomeDesc: optional(row.outcome_desc),
    requestId: optional(row.request_id),
    clientId: optional(row.client_id),
    subject: optional(row.subject),
    fhirUser: optional(row.fhir_user),
    launchPatient: optional(row.launch_patient),
    sourceAddress: optional(row.source_address),
    entityType: optional(row.entity_type),
    entityId: optional(row.entity_id),
    entityVersion: optional(row.entity_version),
    query: optional(row.query),
    resultCount: optional(row.result_count),
    entityRefs: row.entity_refs,
    compartments: row.compartments,
    ...(row.viewer_compartments ? { viewerCompartments: row.viewer_compartments } : {}),
  };
}
