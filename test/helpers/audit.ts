// Test helpers for the audit trail: acting as a given actor through HTTP (a bearer token carrying
// that actor's claims), and reading the audit log directly.
import type { AuditLogRow } from '../../src/store/audit-log.js';
import type { Queryable } from '../../src/store/db.js';
import type { TestApp } from './app.js';

export interface TestActor {
  clientId?: string;
  subject?: string;
  fhirUser?: string;
  /** Launch context (the `patient` claim); confinement to it comes from a patient/ scope. */
  patient?: string;
  requestId?: string;
}

/**
 * Headers of a request made by `actor`: a bearer token of `scope` with its claims, and its
 * X-Request-Id. A named client is registered first (tokens of unknown clients are refused).
 */
export async function actAs(app: Pick<TestApp, 'token' | 'db'>, actor: TestActor, scope = 'system/*.cruds'): Promise<Record<string, string>> {
  const { requestId, ...claims } = actor;
  if (actor.clientId) {
    await app.db.query(
      "INSERT INTO auth_client (client_id, client_name, scope, jwks) VALUES ($1, $1, 'system/*.cruds', '{\"keys\":[]}') ON CONFLICT DO NOTHING",
      [actor.clientId],
    );
  }
  const token = await app.token(scope, claims);
  return { authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) };
}

export interface AuditRow extends AuditLogRow {
  chain: number;
  seq: number;
}

/** Audit rows of one request (by X-Request-Id), in chain order. */
export async function auditRows(q: Queryable, requestId: string): Promise<AuditRow[]> {
  const { rows } = await q.query<AuditRow>(
    `SELECT id::text AS id, chain, seq, action, interaction, outcome, outcome_desc, request_id, client_id, subject, fhir_user,
        launch_patient, source_address, entity_type, entity_id, entity_version, query, result_count, entity_refs, compartments
      FROM audit_log WHERE request_id = $1 ORDER BY chain, seq`,
    [requestId],
  );
  return rows;
}

export async function auditCount(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_log');
  return rows[0].n;
}
