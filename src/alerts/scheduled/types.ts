// What the scheduled rules read about one patient, gathered by records.ts, and the shape of a
// scheduled rule: a pure function of those records and the time.
import type { MedicationAdministration, MedicationRequest, Observation } from '@medplum/fhirtypes';
import type { RuleCode } from '../codes.js';
import type { Finding } from '../rules/types.js';

export interface PatientRecords {
  patientId: string;
  /** Active MedicationRequests. */
  medications: MedicationRequest[];
  /** MedicationAdministrations of the last 30 days. */
  administrations: MedicationAdministration[];
  /** Whether the patient has an active CarePlan. */
  activeCarePlan: boolean;
  /** PHQ-9 and GAD-7 totals (LOINC 44261-6, 70274-6) of the last 6 months. */
  scores: Observation[];
}

export interface ScheduledRule {
  code: RuleCode;
  display: string;
  definition: string;
  /** Follow-up Task's code text, where the reference recommends one. */
  task?: string;
  evaluate(records: PatientRecords, now: Date): Finding | undefined;
}
