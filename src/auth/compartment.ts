// Which resource types can belong to a Patient compartment (R4 Patient CompartmentDefinition).
// Types that cannot (Practitioner, Organization, Questionnaire, ...) are readable by any user/ token
// with r/s on them (Haven policy, reference/smart-scopes.md 1.4).
import { patientCompartmentDefinition } from '../grammar/patient-compartment.js';

let inCompartment: Set<string> | undefined;

export function patientCompartmentTypes(): ReadonlySet<string> {
  inCompartment ??= new Set(patientCompartmentDefinition().types);
  return inCompartment;
}

/** The types of `all` that lie outside every patient compartment. */
export function typesOutsidePatientCompartments(all: Iterable<string>): string[] {
  const inside = patientCompartmentTypes();
  return [...all].filter((type) => !inside.has(type)).sort();
}
