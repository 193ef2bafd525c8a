// medications/{id}/logs <-> MedicationAdministration, one dose taken, missed or skipped (mapping.md
// "medications/{id}/logs"; clinical-codes.md §6.2).
import type { Annotation, MedicationAdministration, MedicationRequest, Quantity } from '@medplum/fhirtypes';
import { SYSTEM } from './codes.js';
import { patientReference, recordMeta, RecordShapeError, referencedId, referenceString, referenceTo, type RecordContext, type StoredRecord } from './fhir.js';
import { field, recordValidator } from './validation.js';

export const DOSE_STATUSES = ['taken', 'missed', 'skipped'] as const;
export type DoseStatus = (typeof DOSE_STATUSES)[number];

export interface MedicationLog {
  takenAt: string;
  status: DoseStatus;
  dosageTaken?: string;
  notes?: string;
}

export const validateMedicationLog = recordValidator<MedicationLog>({
  properties: {
    takenAt: field.instant,
    status: { enum: [...DOSE_STATUSES], default: 'taken' },
    dosageTaken: field.text(500),
    notes: field.text(10000),
  },
  required: ['takenAt'],
  computed: { medicationId: { type: 'string' } },
});

export interface MedicationLogContext extends RecordContext {
  /** The medication the dose belongs to: linked as `request`, its medication copied. */
  medication: MedicationRequest;
}

/** The element id that marks the annotation holding a dosage that is not a quantity. */
export const DOSAGE_NOTE_ID = 'dosage-taken';
const DOSAGE_NOTE_PREFIX = 'Dosage taken: ';

export function medicationLogToFhir(log: MedicationLog, ctx: MedicationLogContext): MedicationAdministration[] {
  const dose = log.dosageTaken !== undefined ? parseDose(log.dosageTaken) : undefined;
  const note: Annotation[] = [];
  // A dosage that is no quantity cannot go in dosage (invariant mad-1 wants a dose): it goes in a
  // note of its own, found again by its element id.
  if (log.dosageTaken !== undefined && !dose) note.push({ id: DOSAGE_NOTE_ID, text: DOSAGE_NOTE_PREFIX + log.dosageTaken });
  if (log.notes !== undefined) note.push({ text: log.notes });
  const administration: MedicationAdministration = {
    resourceType: 'MedicationAdministration',
    id: ctx.id,
    meta: recordMeta('medication-log'),
    status: log.status === 'taken' ? 'completed' : 'not-done',
    ...(log.status !== 'taken' ? { statusReason: [{ text: log.status }] } : {}),
    ...medicationOf(ctx.medication),
    subject: patientReference(ctx.patientId),
    effectiveDateTime: log.takenAt,
    performer: [{ actor: patientReference(ctx.patientId) }],
    request: referenceTo(ctx.medication),
    ...(dose ? { dosage: { dose } } : {}),
    ...(note.length ? { note } : {}),
  };
  return [administration];
}

/** The medication of the request, as concept or reference (FHIR requires one of them). */
function medicationOf(request: MedicationRequest): Pick<MedicationAdministration, 'medicationCodeableConcept' | 'medicationReference'> {
  if (request.medicationCodeableConcept) return { medicationCodeableConcept: request.medicationCodeableConcept };
  if (request.medicationReference) return { medicationReference: request.medicationReference };
  throw new RecordShapeError(`MedicationRequest/${request.id} names no medication`);
}

/** UCUM codes for the units a dose is commonly written in; other units keep only their text. */
const UCUM_DOSE_UNITS: Record<string, string> = { mg: 'mg', g: 'g', mcg: 'ug', ug: 'ug', µg: 'ug', mL: 'mL', ml: 'mL', L: 'L' };

/**
 * "10 mg" -> {value 10, unit "mg", UCUM mg}; undefined unless "<number> <unit>" writes the
 * dosage back exactly ("10.0 mg" and "10mg" would not), so the round trip stays exact.
 */
export function parseDose(text: string): Quantity | undefined {
  const match = /^(\d{1,9}(?:\.\d{1,6})?) (\S(?:.*\S)?)$/.exec(text);
  if (!match || String(Number(match[1])) !== match[1]) return undefined;
  const code = UCUM_DOSE_UNITS[match[2]];
  return { value: Number(match[1]), unit: match[2], ...(code ? { system: SYSTEM.ucum, code } : {}) };
}

export function medicationLogFromFhir(resources: MedicationAdministration[]): StoredRecord<MedicationLog & { medicationId?: string }> {
  const administration = resources[0];
  if (!administration || administration.resourceType !== 'MedicationAdministration' || !administration.effectiveDateTime) {
    throw new RecordShapeError('A medication log is a MedicationAdministration with effectiveDateTime');
  }
  const reason = administration.statusReason?.[0]?.text;
  const status: DoseStatus = administration.status === 'completed' ? 'taken' : reason === 'missed' ? 'missed' : 'skipped';
  const log: MedicationLog & { medicationId?: string } = { takenAt: administration.effectiveDateTime, status };
  const dose = administration.dosage?.dose;
  const dosageNote = administration.note?.find((n) => n.id === DOSAGE_NOTE_ID)?.text;
  if (dose?.value !== undefined && dose.unit !== undefined) log.dosageTaken = `${dose.value} ${dose.unit}`;
  else if (dosageNote !== undefined) log.dosageTaken = dosageNote.startsWith(DOSAGE_NOTE_PREFIX) ? dosageNote.slice(DOSAGE_NOTE_PREFIX.length) : dosageNote;
  const notes = administration.note?.find((n) => n.id !== DOSAGE_NOTE_ID)?.text;
  if (notes !== undefined) log.notes = notes;
  const medicationId = referencedId(administration.request, 'MedicationRequest');
  if (medicationId) log.medicationId = medicationId;
  return { id: administration.id as string, ...log, fhir: [referenceString(administration)] };
}
