// mood-entries <-> one survey Observation (mapping.md "mood-entries"; clinical-codes.md §5).
import type { CodeableConcept, Observation, ObservationComponent, ObservationReferenceRange } from '@medplum/fhirtypes';
import { CATEGORY, FEELINGS, LOINC, SYSTEM, UNIT, WELLBEING, type Code } from './codes.js';
import { concept, hasCoding, patientReference, recordMeta, RecordShapeError, referenceString, ucum, type RecordContext, type StoredRecord } from './fhir.js';
import { field, recordValidator } from './validation.js';

export interface MoodEntry {
  recordedAt: string;
  overallMood: number;
  energyLevel?: number;
  anxietyLevel?: number;
  stressLevel?: number;
  sleepHours?: number;
  feelings?: string[];
  triggers?: string[];
  notes?: string;
}

const SCALE = field.integer(1, 10);

export const validateMoodEntry = recordValidator<MoodEntry>({
  properties: {
    recordedAt: field.instant,
    overallMood: SCALE,
    energyLevel: SCALE,
    anxietyLevel: SCALE,
    stressLevel: SCALE,
    sleepHours: field.number(0, 24),
    feelings: field.texts(50, 200),
    triggers: field.texts(50, 500),
    notes: field.text(10000),
  },
  required: ['recordedAt', 'overallMood'],
});

/** The 1-10 self-rating scales besides overallMood, in the order their components are written. */
const RATINGS = [
  ['energyLevel', WELLBEING.energy],
  ['anxietyLevel', WELLBEING.anxiety],
  ['stressLevel', WELLBEING.stress],
] as const satisfies ReadonlyArray<readonly [keyof MoodEntry, Code]>;

const SCALE_RANGE: ObservationReferenceRange[] = [{ low: ucum(1, UNIT.score), high: ucum(10, UNIT.score) }];

export function moodEntryToFhir(entry: MoodEntry, ctx: RecordContext): Observation[] {
  const component: ObservationComponent[] = [];
  for (const [name, code] of RATINGS) {
    const value = entry[name];
    if (value !== undefined) {
      component.push({ code: concept(SYSTEM.wellbeing, code), valueQuantity: ucum(value, UNIT.score), referenceRange: SCALE_RANGE });
    }
  }
  if (entry.sleepHours !== undefined) {
    component.push({ code: concept(SYSTEM.loinc, LOINC.sleepDuration), valueQuantity: ucum(entry.sleepHours, UNIT.hours) });
  }
  for (const feeling of entry.feelings ?? []) {
    component.push({ code: concept(SYSTEM.wellbeing, WELLBEING.feeling), valueCodeableConcept: feelingConcept(feeling) });
  }
  for (const trigger of entry.triggers ?? []) {
    component.push({ code: concept(SYSTEM.wellbeing, WELLBEING.trigger), valueString: trigger });
  }
  const observation: Observation = {
    resourceType: 'Observation',
    id: ctx.id,
    meta: recordMeta('mood-entry'),
    status: 'final',
    category: [concept(SYSTEM.observationCategory, CATEGORY.survey)],
    code: concept(SYSTEM.wellbeing, WELLBEING.mood),
    subject: patientReference(ctx.patientId),
    effectiveDateTime: entry.recordedAt,
    performer: [patientReference(ctx.patientId)],
    valueQuantity: ucum(entry.overallMood, UNIT.score),
    referenceRange: SCALE_RANGE,
    ...(entry.notes !== undefined ? { note: [{ text: entry.notes }] } : {}),
    ...(component.length ? { component } : {}),
  };
  return [observation];
}

/** A feeling keeps the app's word in `text`; the seven words Haven codes also get their code. */
function feelingConcept(feeling: string): CodeableConcept {
  const known = FEELINGS.find((f) => f.toLowerCase() === feeling.toLowerCase());
  return known ? { coding: [{ system: SYSTEM.feelings, code: known.toLowerCase(), display: known }], text: feeling } : { text: feeling };
}

export function moodEntryFromFhir(resources: Observation[]): StoredRecord<MoodEntry> {
  const observation = resources[0];
  if (!observation || observation.resourceType !== 'Observation' || !hasCoding(observation.code, SYSTEM.wellbeing, WELLBEING.mood.code)) {
    throw new RecordShapeError('A mood entry is an Observation coded mood-self-rating');
  }
  const { effectiveDateTime, valueQuantity } = observation;
  if (!effectiveDateTime || valueQuantity?.value === undefined) {
    throw new RecordShapeError(`Observation/${observation.id} lacks the time or value of a mood entry`);
  }
  const entry: MoodEntry = { recordedAt: effectiveDateTime, overallMood: valueQuantity.value };
  const components = observation.component ?? [];
  for (const [name, code] of RATINGS) {
    const value = components.find((c) => hasCoding(c.code, SYSTEM.wellbeing, code.code))?.valueQuantity?.value;
    if (value !== undefined) entry[name] = value;
  }
  const sleep = components.find((c) => hasCoding(c.code, SYSTEM.loinc, LOINC.sleepDuration.code))?.valueQuantity?.value;
  if (sleep !== undefined) entry.sleepHours = sleep;
  const feelings = components.filter((c) => hasCoding(c.code, SYSTEM.wellbeing, WELLBEING.feeling.code)).map((c) => c.valueCodeableConcept?.text);
  if (feelings.length) entry.feelings = feelings.filter((f): f is string => f !== undefined);
  const triggers = components.filter((c) => hasCoding(c.code, SYSTEM.wellbeing, WELLBEING.trigger.code)).map((c) => c.valueString);
  if (triggers.length) entry.triggers = triggers.filter((t): t is string => t !== undefined);
  const notes = observation.note?.[0]?.text;
  if (notes !== undefined) entry.notes = notes;
  return { id: observation.id as string, ...entry, fhir: [referenceString(observation)] };
}
