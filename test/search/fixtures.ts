// A small clinical data set whose edges catch wrong search answers: accents, the same code in
// another system, a date at the end of a month, a Period, month precision, a deleted resource and
// one whose old version matched but whose current one does not.
import type { TestApp } from '../helpers/app.js';

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

export async function loadFixtures(app: TestApp): Promise<void> {
  const put = async (resource: { resourceType: string; id: string }) => {
    const res = await app.fhir('PUT', `${resource.resourceType}/${resource.id}`, resource);
    if (res.status >= 300) throw new Error(`${resource.resourceType}/${resource.id}: ${res.status} ${res.body}`);
  };
  await put({ resourceType: 'Organization', id: 'org1', name: 'Heart Clinic' } as never);
  await put({
    resourceType: 'Patient',
    id: 'p1',
    name: [{ family: 'Muñoz', given: ['Ána'] }],
    gender: 'female',
    birthDate: '1984-03-02',
    identifier: [
      { system: 'urn:sys-a', value: '123' },
      { system: 'urn:sys-a', value: 'a,b' },
    ],
    telecom: [{ system: 'email', value: 'ana@example.org' }],
    managingOrganization: { reference: 'Organization/org1' },
  } as never);
  await put({
    resourceType: 'Patient',
    id: 'p2',
    name: [{ family: 'Smith', given: ['Anabel'] }],
    gender: 'male',
    birthDate: '1984-03-03',
    identifier: [{ system: 'urn:sys-b', value: '123', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } }],
  } as never);
  await put({ resourceType: 'Patient', id: 'p3', name: [{ family: 'Anderson', given: ['Bob'] }], birthDate: '1990', identifier: [{ value: '123' }] } as never);
  await put({ resourceType: 'Patient', id: 'p4', name: [{ family: 'Old', given: ['Ana'] }], gender: 'female' } as never);
  await put({ resourceType: 'Patient', id: 'p4', name: [{ family: 'New', given: ['Zed'] }], gender: 'other' } as never);
  await put({ resourceType: 'Patient', id: 'p5', name: [{ family: 'Gone', given: ['Ana'] }], gender: 'female' } as never);
  await app.fhir('DELETE', 'Patient/p5');

  const obs = (id: string, rest: Record<string, unknown>) => put({ resourceType: 'Observation', id, status: 'final', ...rest } as never);
  const vitalsTag = { meta: { tag: [{ system: 'urn:haven:record-kind', code: 'vitals' }] } };
  await obs('o1', {
    ...vitalsTag,
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2026-03-31T23:30:00Z',
    valueQuantity: { value: 72, unit: '/min', system: UCUM, code: '/min' },
  });
  await obs('o2', {
    ...vitalsTag,
    code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
    subject: { reference: 'http://haven.test/fhir/Patient/p1' },
    effectiveDateTime: '2026-04-01T00:00:00Z',
    component: [
      { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 140, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
      { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 90, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
    ],
  });
  await obs('o3', {
    code: { coding: [{ system: 'urn:other-codes', code: '8867-4' }] },
    subject: { reference: 'Patient/p2' },
    effectivePeriod: { start: '2026-03-01', end: '2026-03-10' },
    valueQuantity: { value: 100, unit: 'beats/min' },
  });
  await obs('o4', {
    status: 'preliminary',
    code: { coding: [{ system: LOINC, code: '8867-4' }] },
    subject: { reference: 'Patient/p2' },
    effectiveDateTime: '2026-03',
    valueQuantity: { value: 100.5, unit: '/min', system: UCUM, code: '/min' },
  });
  await obs('o5', {
    code: { coding: [{ system: LOINC, code: '8867-4' }] },
    subject: { identifier: { system: 'urn:mrn', value: 'M1' } },
    effectiveDateTime: '2025-12-24T08:00:00+01:00',
  });
  await put({
    resourceType: 'RiskAssessment',
    id: 'r1',
    status: 'final',
    subject: { reference: 'Patient/p1' },
    prediction: [{ probabilityDecimal: 0.5 }],
  } as never);
  await put({
    resourceType: 'RiskAssessment',
    id: 'r2',
    status: 'final',
    subject: { reference: 'Patient/p1' },
    prediction: [{ probabilityDecimal: 0.54 }],
  } as never);
  await put({
    resourceType: 'RiskAssessment',
    id: 'r3',
    status: 'final',
    subject: { reference: 'Patient/p2' },
    prediction: [{ probabilityDecimal: 0.7 }],
  } as never);
  await put({ resourceType: 'Questionnaire', id: 'q1', status: 'active', url: 'http://haven.example/fhir/Questionnaire/phq-9' } as never);
  await put({ resourceType: 'Questionnaire', id: 'q2', status: 'active', url: 'http://haven.example/fhir/Questionnaire/phq-9/v2' } as never);
  await put({ resourceType: 'Questionnaire', id: 'q3', status: 'active', url: 'http://elsewhere.example/Questionnaire/gad-7' } as never);
}

/** Ids of the entries of a searchset with search.mode = mode, sorted unless asked not to. */
export function idsOf(bundle: { entry?: Array<{ resource: { id: string }; search: { mode: string } }> }, mode = 'match', sorted = true): string[] {
  const ids = (bundle.entry ?? []).filter((e) => e.search.mode === mode).map((e) => e.resource.id);
  return sorted ? ids.sort() : ids;
}
