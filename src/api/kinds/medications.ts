// medications: one MedicationRequest of the patient's own list (src/mappers/medication.ts). Listed by
// when they were last written: a medication has no time of its own that every record carries.
import type { MedicationRequest } from '@medplum/fhirtypes';
import { medicationFromFhir, medicationToFhir, validateMedication, type Medication } from '../../mappers/medication.js';
import type { RecordDefinition } from '../record-definition.js';

export const medications: RecordDefinition<Medication> = {
  path: 'medications',
  kind: 'medication',
  label: 'medication',
  mainType: 'MedicationRequest',
  types: ['MedicationRequest'],
  dateParam: '_lastUpdated',
  validate: (input) => validateMedication(input),
  toFhir: (medication, ctx) => medicationToFhir(medication, ctx),
  fromFhir: (resources) => medicationFromFhir(resources as MedicationRequest[]),
  companions: () => [],
  ownsCompanions: true,
};
