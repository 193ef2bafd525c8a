// A Synthea-like output folder, written by the tests: hospitalInformation and
// practitionerInformation Bundles (conditional creates), then one transaction Bundle per patient
// whose entries refer to each other by urn:uuid and to the shared resources by conditional
// references (Type?identifier=system|value), as Synthea writes them.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const NPI = 'http://hl7.org/fhir/sid/us-npi';
const SYNTHEA = 'https://github.com/synthetichealth/synthea';

export function writeSyntheaFolder(dir: string, patients: number): { resources: number } {
  mkdirSync(dir, { recursive: true });
  const post = (resource: Record<string, unknown>, ifNoneExist: string) => ({
    fullUrl: `urn:uuid:${randomUUID()}`,
    resource,
    request: { method: 'POST', url: resource.resourceType, ifNoneExist },
  });
  writeFileSync(
    path.join(dir, 'hospitalInformation1700000000000.json'),
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        post({ resourceType: 'Organization', identifier: [{ system: SYNTHEA, value: 'org-1' }], name: 'General Hospital' }, `identifier=${SYNTHEA}|org-1`),
      ],
    }),
  );
  writeFileSync(
    path.join(dir, 'practitionerInformation1700000000000.json'),
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        post({ resourceType: 'Practitioner', identifier: [{ system: NPI, value: '9999912345' }], name: [{ family: 'Osler' }] }, `identifier=${NPI}|9999912345`),
      ],
    }),
  );
  let resources = 2;
  for (let i = 0; i < patients; i++) {
    const patient = `urn:uuid:${randomUUID()}`;
    const encounter = `urn:uuid:${randomUUID()}`;
    const entry = [
      {
        fullUrl: patient,
        resource: {
          resourceType: 'Patient',
          identifier: [{ system: SYNTHEA, value: `p-${i}` }],
          name: [{ family: `Test${i}`, given: ['Pat'] }],
          gender: i % 2 ? 'male' : 'female',
          birthDate: '1970-01-01',
        },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        fullUrl: encounter,
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          subject: { reference: patient },
          participant: [{ individual: { reference: `Practitioner?identifier=${NPI}|9999912345` } }],
          serviceProvider: { reference: `Organization?identifier=${SYNTHEA}|org-1` },
          period: { start: '2020-01-01T10:00:00Z', end: '2020-01-01T10:30:00Z' },
        },
        request: { method: 'POST', url: 'Encounter' },
      },
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
          subject: { reference: patient },
          encounter: { reference: encounter },
          valueQuantity: { value: 60 + (i % 40), unit: '/min' },
        },
        request: { method: 'POST', url: 'Observation' },
      },
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: { resourceType: 'Condition', subject: { reference: patient }, encounter: { reference: encounter }, code: { text: 'Hypertension' } },
        request: { method: 'POST', url: 'Condition' },
      },
    ];
    resources += entry.length;
    writeFileSync(path.join(dir, `Test${i}_Pat_${randomUUID()}.json`), JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }));
  }
  return { resources };
}
