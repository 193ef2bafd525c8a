// Resources the scenarios send and load: vital-sign Observations as a cuff or oximeter posts them.
import { randomUUID } from 'node:crypto';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

export function heartRate(patientId: string, when: Date, value = 60 + Math.floor(Math.random() * 40)): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/heartrate'] },
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: when.toISOString(),
    valueQuantity: { value, unit: 'beats/minute', system: UCUM, code: '/min' },
  };
}

export function patient(id: string): Record<string, unknown> {
  return { resourceType: 'Patient', id, name: [{ family: `Bench${id}`, given: ['Pat'] }], gender: 'female', birthDate: '1970-01-01' };
}

/** A transaction Bundle of n heart-rate readings of one patient. */
export function vitalsTransaction(patientId: string, n: number): string {
  const now = Date.now();
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: n }, (_, i) => ({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: heartRate(patientId, new Date(now - i * 60_000)),
      request: { method: 'POST', url: 'Observation' },
    })),
  });
}
