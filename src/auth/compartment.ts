// Which resource types can belong to a Patient compartment (R4 Patient CompartmentDefinition).
// Types that cannot (Practitioner, Organization, Questionnaire, ...) are readable by any user/ token
// with r/s on them (Haven policy, reference/smart-scopes.md 1.4).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CompartmentDefinition } from '@medplum/fhirtypes';
import { fhirDefinitionsDir } from '../paths.js';

let inCompartment: Set<string> | undefined;

export function patientCompartmentTypes(): ReadonlySet<string> {
  if (!inCompartment) {
    const file = path.join(fhirDefinitionsDir, 'compartmentdefinition-patient.json');
    const definition = JSON.parse(readFileSync(file, 'utf8')) as CompartmentDefinition;
    inCompartment = new Set(['Patient', ...(definition.resource ?? []).filter((r) => r.param?.length).map((r) => r.code as string)]);
  }
  return inCompartment;
}

/** The types of `all` that lie outside every patient compartment. */
export function typesOutsidePatientCompartments(all: Iterable<string>): string[] {
  const inside = patientCompartmentTypes();
  return [...all].filter((type) => !inside.has(type)).sort();
}
