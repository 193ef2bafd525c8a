// Dose logs as the scheduled medication rules read them: a MedicationAdministration `completed` is
// taken; `not-done` with statusReason text "missed" is missed (the app's medication log), other
// not-done ones are skipped (reported apart, never as missed). clinical-alerts.md §3.
import type { MedicationAdministration, MedicationRequest } from '@medplum/fhirtypes';
import { referencedId } from '../../mappers/fhir.js';

export type DoseState = 'taken' | 'missed' | 'skipped';

export interface Dose {
  at: number;
  state: DoseState;
  reference: string;
}

export function dosesOf(request: MedicationRequest, administrations: MedicationAdministration[]): Dose[] {
  return administrations
    .filter((a) => referencedId(a.request, 'MedicationRequest') === request.id && a.effectiveDateTime)
    .map((a): Dose => ({
      at: Date.parse(a.effectiveDateTime as string),
      state:
        a.status === 'completed'
          ? 'taken'
          : a.status === 'not-done' && a.statusReason?.some((r) => r.text === 'missed' || r.coding?.some((c) => c.code === 'missed'))
            ? 'missed'
            : 'skipped',
      reference: `MedicationAdministration/${a.id}`,
    }))
    .filter((d) => !Number.isNaN(d.at))
    .sort((a, b) => a.at - b.at);
}

/** Scheduled, not held, not PRN (§3 step 1). */
export function isScheduled(request: MedicationRequest): boolean {
  if (request.status !== 'active') return false;
  return !(request.dosageInstruction ?? []).some((d) => d.asNeededBoolean === true || d.asNeededCodeableConcept !== undefined);
}

export function nameOf(request: MedicationRequest): string {
  return request.medicationCodeableConcept?.text ?? request.medicationCodeableConcept?.coding?.[0]?.display ?? `MedicationRequest/${request.id}`;
}
