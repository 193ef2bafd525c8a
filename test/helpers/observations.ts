// Synthetic vital-sign Observations for tests that need volume: deterministic, spread over patients,
// codes and days, loaded with the bulk loader (the same extraction as single writes).
import type { Observation, Patient } from '@medplum/fhirtypes';
import type { BulkItem } from '../../src/store/bulk.js';

export const VITAL_CODES = [
  { code: '8867-4', display: 'Heart rate', unit: '/min', base: 60 },
  { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', base: 110 },
  { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]', base: 70 },
  { code: '59408-5', display: 'Oxygen saturation', unit: '%', base: 94 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', base: 36 },
];

export function patientItems(count: number): BulkItem[] {
  return Array.from({ length: count }, (_v, i) => ({
    id: `pat-${i}`,
    resource: { resourceType: 'Patient', name: [{ family: `Family${i}`, given: [`Given${i}`] }], gender: i % 2 ? 'female' : 'male' } as Patient,
  }));
}

/**
 * Observation i: patient i % patients, code i % 5, one per hour backwards from 2026-06-01. `lean`
 * leaves out category and display texts (fewer index rows, for tests that load tens of thousands).
 */
export function observationItems(count: number, patients: number, start = 0, lean = false): BulkItem[] {
  return Array.from({ length: count }, (_v, k) => {
    const i = start + k;
    const vital = VITAL_CODES[i % VITAL_CODES.length];
    const when = new Date(Date.UTC(2026, 5, 1) - i * 3_600_000).toISOString();
    const resource: Observation = {
      resourceType: 'Observation',
      status: 'final',
      ...(lean ? {} : { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }] }),
      code: lean
        ? { coding: [{ system: 'http://loinc.org', code: vital.code }] }
        : { coding: [{ system: 'http://loinc.org', code: vital.code, display: vital.display }], text: vital.display },
      subject: { reference: `Patient/pat-${i % patients}` },
      effectiveDateTime: when,
      valueQuantity: { value: vital.base + (i % 20), unit: vital.unit, system: 'http://unitsofmeasure.org', code: vital.unit },
    };
    return { id: `obs-${i}`, resource };
  });
}
