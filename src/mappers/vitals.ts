// vitals <-> a vital-signs panel Observation with one Observation per measurement, each conforming
// to the R4 vital-signs profile it names (mapping.md "vitals"; clinical-codes.md §4).
import type { CodeableConcept, Observation, Quantity } from '@medplum/fhirtypes';
import { CATEGORY, LOINC, PROFILE, SYSTEM, UNIT, type Code, type Unit } from './codes.js';
import {
  coding,
  concept,
  hasCoding,
  ownedId,
  patientReference,
  recordMeta,
  RecordShapeError,
  referenceString,
  referenceTo,
  ucum,
  type RecordContext,
  type StoredRecord,
} from './fhir.js';
import { field, recordValidator, type FieldProblem } from './validation.js';

export interface Vitals {
  recordedAt: string;
  systolicBP?: number;
  diastolicBP?: number;
  heartRate?: number;
  weightLb?: number;
  oxygenSaturation?: number;
  temperatureF?: number;
  notes?: string;
}

const MEASUREMENT_FIELDS = ['systolicBP', 'diastolicBP', 'heartRate', 'weightLb', 'oxygenSaturation', 'temperatureF'] as const;

export const validateVitals = recordValidator<Vitals>({
  // Plausibility bounds: wide enough for any living adult, narrow enough to catch a unit mix-up
  // (kg for lb, Celsius for Fahrenheit) or a typo.
  properties: {
    recordedAt: field.instant,
    systolicBP: field.integer(40, 300),
    diastolicBP: field.integer(20, 200),
    heartRate: field.integer(20, 300),
    weightLb: field.number(1, 1500),
    oxygenSaturation: field.number(50, 100),
    temperatureF: field.number(80, 115),
    notes: field.text(10000),
  },
  required: ['recordedAt'],
  check: vitalsProblems,
});

function vitalsProblems(vitals: Vitals): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if ((vitals.systolicBP === undefined) !== (vitals.diastolicBP === undefined)) {
    const missing = vitals.systolicBP === undefined ? 'systolicBP' : 'diastolicBP';
    problems.push({
      field: missing,
      code: 'required',
      message: `${missing} is required with ${missing === 'systolicBP' ? 'diastolicBP' : 'systolicBP'}: blood pressure needs both`,
    });
  } else if (vitals.systolicBP !== undefined && vitals.diastolicBP !== undefined && vitals.diastolicBP >= vitals.systolicBP) {
    problems.push({ field: 'diastolicBP', message: 'diastolicBP must be lower than systolicBP' });
  }
  if (!MEASUREMENT_FIELDS.some((name) => vitals[name] !== undefined)) {
    problems.push({
      field: [...MEASUREMENT_FIELDS],
      code: 'required',
      message: `Vitals need at least one measurement: ${MEASUREMENT_FIELDS.join(', ')}`,
    });
  }
  return problems;
}

const PANEL_TEXT = 'Vital signs panel';

/** Roles of the measurement Observations in their ids (see ownedId): stable forever. */
const ROLE = {
  bloodPressure: 'blood-pressure',
  heartRate: 'heart-rate',
  bodyWeight: 'body-weight',
  oxygenSaturation: 'oxygen-saturation',
  bodyTemperature: 'body-temperature',
} as const;

export function vitalsToFhir(vitals: Vitals, ctx: RecordContext): Observation[] {
  const measurement = (role: string, profiles: string[], code: CodeableConcept): Observation => ({
    resourceType: 'Observation',
    id: ownedId(`Observation/${ctx.id}`, role),
    meta: { profile: profiles },
    status: 'final',
    category: [vitalSignsCategory()],
    code,
    subject: patientReference(ctx.patientId),
    effectiveDateTime: vitals.recordedAt,
    performer: [patientReference(ctx.patientId)],
  });
  const members: Observation[] = [];
  if (vitals.systolicBP !== undefined && vitals.diastolicBP !== undefined) {
    members.push({
      ...measurement(ROLE.bloodPressure, [PROFILE.bloodPressure], loinc(LOINC.bloodPressure)),
      component: [
        { code: loinc(LOINC.systolic), valueQuantity: ucum(vitals.systolicBP, UNIT.mmHg) },
        { code: loinc(LOINC.diastolic), valueQuantity: ucum(vitals.diastolicBP, UNIT.mmHg) },
      ],
    });
  }
  const single = (value: number | undefined, role: string, profiles: string[], code: CodeableConcept, unit: Unit) => {
    if (value !== undefined) members.push({ ...measurement(role, profiles, code), valueQuantity: ucum(value, unit) });
  };
  single(vitals.heartRate, ROLE.heartRate, [PROFILE.heartRate], loinc(LOINC.heartRate), UNIT.perMinute);
  single(vitals.weightLb, ROLE.bodyWeight, [PROFILE.bodyWeight], loinc(LOINC.bodyWeight), UNIT.pound);
  // Both codings: the R4 core oxygensat profile fixes 2708-6, US Core pulse oximetry wants 59408-5 too.
  single(
    vitals.oxygenSaturation,
    ROLE.oxygenSaturation,
    [PROFILE.oxygenSaturation, PROFILE.usCorePulseOximetry],
    { coding: [coding(SYSTEM.loinc, LOINC.pulseOximetry), coding(SYSTEM.loinc, LOINC.oxygenSaturation)], text: LOINC.pulseOximetry.display },
    UNIT.percent,
  );
  single(vitals.temperatureF, ROLE.bodyTemperature, [PROFILE.bodyTemperature], loinc(LOINC.bodyTemperature), UNIT.fahrenheit);

  const panel: Observation = {
    resourceType: 'Observation',
    id: ctx.id,
    meta: recordMeta('vitals', [PROFILE.vitalsPanel]),
    status: 'final',
    category: [vitalSignsCategory()],
    code: concept(SYSTEM.loinc, LOINC.vitalSignsPanel, PANEL_TEXT),
    subject: patientReference(ctx.patientId),
    effectiveDateTime: vitals.recordedAt,
    performer: [patientReference(ctx.patientId)],
    hasMember: members.map(referenceTo),
    ...(vitals.notes !== undefined ? { note: [{ text: vitals.notes }] } : {}),
  };
  return [panel, ...members];
}

function vitalSignsCategory(): CodeableConcept {
  return concept(SYSTEM.observationCategory, CATEGORY.vitalSigns);
}

function loinc(code: Code): CodeableConcept {
  return concept(SYSTEM.loinc, code);
}

export function vitalsFromFhir(resources: Observation[]): StoredRecord<Vitals> {
  const [panel, ...members] = resources;
  if (!panel || panel.resourceType !== 'Observation' || !hasCoding(panel.code, SYSTEM.loinc, LOINC.vitalSignsPanel.code) || !panel.effectiveDateTime) {
    throw new RecordShapeError('Vitals are a vital-signs panel Observation (85353-1) with its time');
  }
  const vitals: Vitals = { recordedAt: panel.effectiveDateTime };
  const find = (code: Code) => members.find((m) => hasCoding(m.code, SYSTEM.loinc, code.code));
  const value = (quantity: Quantity | undefined) => quantity?.value;
  const bp = find(LOINC.bloodPressure);
  if (bp) {
    vitals.systolicBP = value(bp.component?.find((c) => hasCoding(c.code, SYSTEM.loinc, LOINC.systolic.code))?.valueQuantity);
    vitals.diastolicBP = value(bp.component?.find((c) => hasCoding(c.code, SYSTEM.loinc, LOINC.diastolic.code))?.valueQuantity);
  }
  vitals.heartRate = value(find(LOINC.heartRate)?.valueQuantity);
  vitals.weightLb = value(find(LOINC.bodyWeight)?.valueQuantity);
  vitals.oxygenSaturation = value((find(LOINC.pulseOximetry) ?? find(LOINC.oxygenSaturation))?.valueQuantity);
  vitals.temperatureF = value(find(LOINC.bodyTemperature)?.valueQuantity);
  if (panel.note?.[0]?.text !== undefined) vitals.notes = panel.note[0].text;
  for (const name of Object.keys(vitals) as Array<keyof Vitals>) if (vitals[name] === undefined) delete vitals[name];
  return { id: panel.id as string, ...vitals, fhir: resources.map(referenceString) };
}
