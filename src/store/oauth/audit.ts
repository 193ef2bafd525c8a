// Sign-in events in the audit log (action E, interaction oauth-*): one row each, with the launch
// patient as the row's compartment so a patient's own audit view shows who opened their record.
import type { Queryable } from '../db.js';

export interface SignInEventRow {
  interaction: string;
  ok: boolean;
  description: string;
  requestId: string;
  clientId?: string;
  subject?: string;
  fhirUser?: string;
  patient?: string;
  sourceAddress: string;
}

export async function recordSignInEvent(q: Queryable, event: SignInEventRow): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (action, interaction, outcome, outcome_desc, request_id, client_id, subject, fhir_user, launch_patient,
        source_address, compartments)
     VALUES ('E', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[])`,
    [
      event.interaction,
      event.ok ? 0 : 4,
      event.description,
      event.requestId,
      event.clientId ?? null,
      event.subject ?? null,
      event.fhirUser ?? null,
      event.patient ?? null,
      event.sourceAddress,
      event.patient ? [`Patient/${event.patient}`] : [],
    ],
  );
}
