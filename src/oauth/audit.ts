// Sign-in and token events in the audit trail (AuditEvent subtype oauth-*): logins, codes, tokens
// issued and refreshed, revocations, and every failure, with client and user. Never a password,
// code, token or secret: only what happened, to whom and from where.
import type { FastifyRequest } from 'fastify';
import type { Database } from '../store/db.js';

export type OAuthEvent = 'oauth-login' | 'oauth-authorize' | 'oauth-token' | 'oauth-refresh' | 'oauth-revoke' | 'oauth-launch' | 'oauth-introspect';

export interface OAuthAuditEntry {
  event: OAuthEvent;
  ok: boolean;
  description: string;
  clientId?: string;
  username?: string;
  fhirUser?: string;
  patient?: string;
}

export async function auditOAuth(db: Database, request: FastifyRequest, entry: OAuthAuditEntry): Promise<void> {
  try {
    await db.query(
      `INSERT INTO audit_log (action, interaction, outcome, outcome_desc, request_id, client_id, subject, fhir_user, launch_patient,
          source_address, compartments)
       VALUES ('E', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[])`,
      [
        entry.event,
        entry.ok ? 0 : 4,
        entry.description.slice(0, 500),
        request.id,
        entry.clientId ?? null,
        entry.username ?? null,
        entry.fhirUser ?? null,
        entry.patient ?? null,
        request.ip,
        entry.patient ? [`Patient/${entry.patient}`] : [],
      ],
    );
  } catch (error) {
    request.log.error({ err: error }, 'the audit record of a sign-in event could not be written');
  }
}
