// A small population for the export tests: three patients, their Observations, a Practitioner,
// and Groups (members a and c, b inactive; one empty).
import type { FhirClient } from '../helpers/app.js';

export const LOINC = 'http://loinc.org';

export function observation(id: string, patient: string, code: string) {
  return { resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: LOINC, code }] }, subject: { reference: `Patient/${patient}` } };
}

export async function loadPopulation(fhir: FhirClient): Promise<void> {
  const resources = [
    { resourceType: 'Patient', id: 'a', gender: 'female' },
    { resourceType: 'Patient', id: 'b', gender: 'male' },
    { resourceType: 'Patient', id: 'c', gender: 'other' },
    { resourceType: 'Practitioner', id: 'pr1' },
    observation('oa1', 'a', '8867-4'),
    observation('oa2', 'a', '29463-7'),
    observation('ob1', 'b', '8867-4'),
    observation('oc1', 'c', '8867-4'),
    {
      resourceType: 'Group',
      id: 'g1',
      type: 'person',
      actual: true,
      member: [{ entity: { reference: 'Patient/a' } }, { entity: { reference: 'Patient/b' }, inactive: true }, { entity: { reference: 'Patient/c' } }],
    },
    { resourceType: 'Group', id: 'empty', type: 'person', actual: true },
  ];
  for (const r of resources) {
    const res = await fhir('PUT', `${r.resourceType}/${r.id}`, r);
    if (res.status !== 201) throw new Error(`PUT ${r.resourceType}/${r.id}: ${res.status} ${res.body}`);
  }
}
