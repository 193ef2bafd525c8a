// Sign-in and token events in the audit trail (AuditEvent subtype oauth-*): logins, codes, tokens
// issued and refreshed, revocations, and every failure, with client and user. Never a password,
// code, token or secret: only what happened, to whom and from where.
import type { FastifyRequest } from 'fastify';
import type { Database } from '../store/db.js';
import { recordSignInEvent } from '../store/oauth/audit.js';

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
    await recordSignInEvent(db, {
      interaction: entry.event,
      ok: entry.ok,
      description: entry.description.slice(0, 500),
      requestId: request.id,
      clientId: entry.clientId,
      subject: entry.username,
      fhirUser: entry.fhirUser,
      patient: entry.patient,
      sourceAddress: request.ip,
    });
  } catch (error) {
    request.log.error({ err: error }, 'the audit record of a sign-in event could not be written');
  }
}
