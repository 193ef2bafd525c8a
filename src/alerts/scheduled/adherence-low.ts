// adherence-low (clinical-alerts.md §3): every scheduled medication with adherence <80 % over the
// last 30 days, one Flag listing the drugs, medium. Adherence is the summary's own computation
// (src/clinical/adherence.ts: doses logged taken over the doses the frequency expects); with
// fewer than 10 expected doses there is not enough data and nothing is raised.
import type { MedicationAdministration, MedicationRequest } from '@medplum/fhirtypes';
import { medicationAdherence } from '../../clinical/adherence.js';
import { summaryWindow } from '../../clinical/window.js';
import { RecordShapeError } from '../../mappers/fhir.js';
import { medicationFromFhir } from '../../mappers/medication.js';
import { medicationLogFromFhir } from '../../mappers/medication-log.js';
import { isScheduled } from './doses.js';
import type { ScheduledRule } from './types.js';

const THRESHOLD = 0.8;
const MIN_EXPECTED = 10;
const WINDOW_DAYS = 30;

function mapped<R>(map: () => R): R[] {
  try {
    return [map()];
  } catch (error) {
    if (error instanceof RecordShapeError) return [];
    throw error;
  }
}

export const adherenceLow: ScheduledRule = {
  code: 'adherence-low',
  display: 'Low medication adherence',
  definition:
    'Share of expected doses logged as taken <80 % over the last 30 days, for any scheduled medication (at least 10 expected doses): medium, one Flag listing the drugs. By analogy with PQA PDC ≥80 % (not validated for dose logs). Found by the scheduled job.',
  evaluate(records, now) {
    const requests = records.medications.filter(isScheduled);
    const medications = requests.flatMap((r: MedicationRequest) => mapped(() => medicationFromFhir([r])));
    const logs = records.administrations.flatMap((a: MedicationAdministration) => mapped(() => medicationLogFromFhir([a])));
    const low = medicationAdherence(medications, logs, summaryWindow(WINDOW_DAYS, now)).filter(
      (m) => m.expected !== null && m.expected >= MIN_EXPECTED && m.adherence !== null && m.adherence < THRESHOLD,
    );
    if (!low.length) return undefined;
    const text = low.map((m) => `${m.name} ${Math.round((m.adherence as number) * 100)} % (${m.takenCounted}/${m.expected})`).join(', ');
    return {
      severity: 'medium',
      text: `${this.display} over 30 days (< 80 %): ${text}`,
      evidence: low.map((m) => `MedicationRequest/${m.medicationId}`),
      at: now.toISOString(),
    };
  },
};
