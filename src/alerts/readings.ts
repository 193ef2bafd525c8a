// What the write-time rules read: an Observation, whoever sent it (the app's vitals record, a
// device, an EHR), turned into measurements by LOINC code, in the unit the rules are written in
// (clinical-alerts.md §1.2-1.3: kg -> [lb_av] x2.20462, Cel -> [degF]). A measurement in a unit Haven
// cannot convert is left out: no rule guesses at it.
import type { CodeableConcept, Observation, Quantity } from '@medplum/fhirtypes';
import { LOINC_CODES } from './codes.js';

export type Measurement = 'systolic' | 'diastolic' | 'heartRate' | 'spo2' | 'temperature' | 'weight' | 'phq9' | 'gad7';

export interface Reading {
  measurement: Measurement;
  /** In the rule's unit: mm[Hg], /min, %, [degF], [lb_av], {score}. */
  value: number;
  /** When it was measured (effective[x], else issued), as an instant string. */
  at: string;
  /** "Observation/<id>": the evidence a Flag points at. */
  reference: string;
}

const LB_PER_KG = 2.20462;
const SYSTEM_LOINC = 'http://loinc.org';

/** Measurement of each LOINC code, with the units accepted and how each converts to the rule's unit. */
const BY_CODE: Record<string, { measurement: Measurement; units: Record<string, (v: number) => number> }> = {
  [LOINC_CODES.systolic]: { measurement: 'systolic', units: { 'mm[Hg]': same, mmHg: same } },
  [LOINC_CODES.diastolic]: { measurement: 'diastolic', units: { 'mm[Hg]': same, mmHg: same } },
  [LOINC_CODES.heartRate]: { measurement: 'heartRate', units: { '/min': same, '{beats}/min': same, 'beats/minute': same, bpm: same } },
  [LOINC_CODES.pulseOximetry]: { measurement: 'spo2', units: { '%': same } },
  [LOINC_CODES.oxygenSaturation]: { measurement: 'spo2', units: { '%': same } },
  [LOINC_CODES.bodyTemperature]: { measurement: 'temperature', units: { '[degF]': same, degF: same, Cel: celsiusToF, degC: celsiusToF } },
  [LOINC_CODES.bodyWeight]: { measurement: 'weight', units: { '[lb_av]': same, lb: same, kg: (v) => v * LB_PER_KG, g: (v) => (v / 1000) * LB_PER_KG } },
  [LOINC_CODES.phq9Total]: { measurement: 'phq9', units: { '{score}': same, '': same } },
  [LOINC_CODES.gad7Total]: { measurement: 'gad7', units: { '{score}': same, '': same } },
};

function same(v: number): number {
  return v;
}

export function celsiusToF(v: number): number {
  return (v * 9) / 5 + 32;
}

/** Statuses whose values stand (a cancelled or entered-in-error Observation raises nothing). */
const STANDING = new Set(['final', 'amended', 'corrected', 'preliminary']);

/** Every measurement an Observation carries, in its own code/value and in its components. */
export function readingsOf(observation: Observation, fallbackTime: string): Reading[] {
  if (!observation.id || !STANDING.has(observation.status)) return [];
  const at = observation.effectiveDateTime ?? observation.effectiveInstant ?? observation.effectivePeriod?.start ?? observation.issued ?? fallbackTime;
  const reference = `Observation/${observation.id}`;
  const found: Reading[] = [];
  const add = (code: CodeableConcept | undefined, quantity: Quantity | undefined, integer: number | undefined) => {
    const reading = measure(code, quantity, integer);
    if (reading) found.push({ ...reading, at, reference });
  };
  add(observation.code, observation.valueQuantity, observation.valueInteger);
  for (const component of observation.component ?? []) add(component.code, component.valueQuantity, component.valueInteger);
  return found;
}

function measure(
  code: CodeableConcept | undefined,
  quantity: Quantity | undefined,
  integer: number | undefined,
): Pick<Reading, 'measurement' | 'value'> | undefined {
  const known = (code?.coding ?? []).filter((c) => c.system === SYSTEM_LOINC && c.code && BY_CODE[c.code]).map((c) => BY_CODE[c.code as string]);
  const entry = known[0];
  if (!entry) return undefined;
  const raw = quantity?.value ?? integer;
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return undefined;
  // UCUM code first (quantity.system should be UCUM); the human unit only when no code is given.
  const unit = quantity ? (quantity.code ?? quantity.unit ?? '') : '';
  const convert = entry.units[unit];
  if (!convert) return undefined;
  return { measurement: entry.measurement, value: convert(raw) };
}

/** A quantity (a Goal's limit) converted to the unit the rules of `measurement` use, or undefined. */
export function quantityIn(measurement: Measurement, quantity: Quantity | undefined): number | undefined {
  if (typeof quantity?.value !== 'number') return undefined;
  const entry = Object.values(BY_CODE).find((e) => e.measurement === measurement);
  const convert = entry?.units[quantity.code ?? quantity.unit ?? ''];
  return convert ? convert(quantity.value) : undefined;
}

/** The measurement a LOINC code names (Goal.target.measure), if a rule reads it. */
export function measurementOfCode(code: string): Measurement | undefined {
  return BY_CODE[code]?.measurement;
}
