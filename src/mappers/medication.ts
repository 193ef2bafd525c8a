// medications <-> MedicationRequest, a patient-kept list entry as US Core models it (mapping.md
// "medications"; clinical-codes.md §6.1). Free-text places are listed in conformance/README.md.
import type { Dosage, MedicationRequest, TimingRepeat } from '@medplum/fhirtypes';
import { SYSTEM } from './codes.js';
import { patientReference, recordMeta, RecordShapeError, referenceString, type RecordContext, type StoredRecord } from './fhir.js';
import { parseFrequency, parseTimesOfDay } from './timing.js';
import { field, periodProblems, recordValidator } from './validation.js';

export interface Medication {
  name: string;
  rxnorm?: string;
  dosage?: string;
  frequency?: string;
  timeOfDay?: string;
  startDate?: string;
  endDate?: string;
  prescribedBy?: string;
  purpose?: string;
  instructions?: string;
  active: boolean;
}

export const validateMedication = recordValidator<Medication>({
  properties: {
    name: field.text(500),
    // An RxNorm concept id (RXCUI) is a number.
    rxnorm: { type: 'string', pattern: '^[0-9]{1,12}$', errorText: 'an RxNorm code (RXCUI): digits only, such as "197361"' },
    dosage: field.text(500),
    frequency: field.text(500),
    timeOfDay: field.text(500),
    startDate: field.date,
    endDate: field.date,
    prescribedBy: field.text(500),
    purpose: field.text(1000),
    instructions: field.text(10000),
    active: { type: 'boolean', default: true },
  },
  required: ['name'],
  check: (m) => periodProblems(m.startDate, m.endDate, 'endDate', 'startDate'),
});

export interface MedicationContext extends RecordContext {
  /** Decides whether an end date has passed (status completed). */
  now: Date;
}

export function medicationToFhir(medication: Medication, ctx: MedicationContext): MedicationRequest[] {
  const dosage = dosageOf(medication);
  const request: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: ctx.id,
    meta: recordMeta('medication'),
    status: statusOf(medication, ctx.now),
    intent: 'plan',
    reportedBoolean: true,
    medicationCodeableConcept: {
      ...(medication.rxnorm !== undefined ? { coding: [{ system: SYSTEM.rxnorm, code: medication.rxnorm }] } : {}),
      text: medication.name,
    },
    subject: patientReference(ctx.patientId),
    // A patient-kept list: the patient requests it unless a prescriber is named (US Core).
    requester: medication.prescribedBy !== undefined ? { display: medication.prescribedBy } : patientReference(ctx.patientId),
    ...(medication.purpose !== undefined ? { reasonCode: [{ text: medication.purpose }] } : {}),
    ...(dosage ? { dosageInstruction: [dosage] } : {}),
  };
  return [request];
}

/** stopped when not active; completed once the end date has passed (in UTC); else active. */
function statusOf(medication: Medication, now: Date): MedicationRequest['status'] {
  if (!medication.active) return 'stopped';
  if (medication.endDate !== undefined && medication.endDate < now.toISOString().slice(0, 10)) return 'completed';
  return 'active';
}

function dosageOf(m: Medication): Dosage | undefined {
  const repeat: TimingRepeat = {};
  if (m.startDate !== undefined || m.endDate !== undefined) {
    repeat.boundsPeriod = { ...(m.startDate !== undefined ? { start: m.startDate } : {}), ...(m.endDate !== undefined ? { end: m.endDate } : {}) };
  }
  const frequency = m.frequency !== undefined ? parseFrequency(m.frequency) : undefined;
  if (frequency) Object.assign(repeat, frequency);
  const times = m.timeOfDay !== undefined ? parseTimesOfDay(m.timeOfDay) : undefined;
  if (times) repeat.timeOfDay = times;
  const hasRepeat = Object.keys(repeat).length > 0;
  const timing =
    hasRepeat || m.frequency !== undefined
      ? { ...(m.frequency !== undefined ? { code: { text: m.frequency } } : {}), ...(hasRepeat ? { repeat } : {}) }
      : undefined;
  const dosage: Dosage = {
    ...(m.dosage !== undefined ? { text: m.dosage } : {}),
    ...(m.timeOfDay !== undefined ? { additionalInstruction: [{ text: m.timeOfDay }] } : {}),
    ...(m.instructions !== undefined ? { patientInstruction: m.instructions } : {}),
    ...(timing ? { timing } : {}),
  };
  return Object.keys(dosage).length ? dosage : undefined;
}

export function medicationFromFhir(resources: MedicationRequest[]): StoredRecord<Medication> {
  const request = resources[0];
  const name = request?.medicationCodeableConcept?.text;
  if (!request || request.resourceType !== 'MedicationRequest' || name === undefined) {
    throw new RecordShapeError('A medication is a MedicationRequest whose medicationCodeableConcept has the name as text');
  }
  const dosage = request.dosageInstruction?.[0];
  const bounds = dosage?.timing?.repeat?.boundsPeriod;
  const fields: Partial<Medication> = {
    rxnorm: request.medicationCodeableConcept?.coding?.find((c) => c.system === SYSTEM.rxnorm)?.code,
    dosage: dosage?.text,
    frequency: dosage?.timing?.code?.text,
    timeOfDay: dosage?.additionalInstruction?.[0]?.text,
    startDate: bounds?.start,
    endDate: bounds?.end,
    prescribedBy: request.requester?.reference === undefined ? request.requester?.display : undefined,
    purpose: request.reasonCode?.[0]?.text,
    instructions: dosage?.patientInstruction,
  };
  const medication: Medication = { name, active: request.status === 'active' || request.status === 'completed' };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) Object.assign(medication, { [key]: value });
  return { id: request.id as string, ...medication, fhir: [referenceString(request)] };
}
