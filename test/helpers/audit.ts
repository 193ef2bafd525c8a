// Test helpers for the audit trail: acting as a given actor through HTTP (until the authorization
// layer sets request.haven from tokens), and reading the audit log directly.
import type { FastifyInstance } from 'fastify';
import type { Access, Actor } from '../../src/store/context.js';
import type { AuditLogRow } from '../../src/store/audit-log.js';
import type { Queryable } from '../../src/store/db.js';

/** Headers that set who acts (x-test-actor: JSON of Actor fields) and what they may see (x-test-compartments). */
export function actAs(actor: Omit<Actor, 'requestId'> & { requestId?: string }, compartments?: string[]): Record<string, string> {
  return {
    'x-test-actor': JSON.stringify(actor),
    ...(compartments ? { 'x-test-compartments': compartments.join(',') } : {}),
    ...(actor.requestId ? { 'x-request-id': actor.requestId } : {}),
  };
}

/** testApp option: an onRequest hook that applies the actAs headers after the app's own hook. */
export function withTestActors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const actor = request.headers['x-test-actor'];
    if (typeof actor === 'string') Object.assign(request.haven.actor, JSON.parse(actor) as Partial<Actor>);
    const compartments = request.headers['x-test-compartments'];
    if (typeof compartments === 'string') {
      const access: Access = { kind: 'compartments', compartments: compartments.split(',').filter(Boolean) };
      request.haven.access = access;
    }
  });
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
