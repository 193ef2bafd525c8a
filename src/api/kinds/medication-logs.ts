// medications/{id}/logs: one MedicationAdministration per dose, linked to the medication's
// MedicationRequest (src/mappers/medication-log.ts).
import type { MedicationAdministration, MedicationRequest } from '@medplum/fhirtypes';
import { RecordShapeError } from '../../mappers/fhir.js';
import { medicationLogFromFhir, medicationLogToFhir, validateMedicationLog, type MedicationLog } from '../../mappers/medication-log.js';
import type { RecordDefinition } from '../record-definition.js';
import { medications } from './medications.js';

export const medicationLogs: RecordDefinition<MedicationLog> = {
  path: 'medications/:parentId/logs',
  kind: 'medication-log',
  label: 'medication log',
  mainType: 'MedicationAdministration',
  types: ['MedicationAdministration'],
  dateParam: 'effective-time',
  validate: (input) => validateMedicationLog(input),
  toFhir: (log, ctx) => {
    if (!ctx.parent) throw new RecordShapeError('A medication log needs its medication');
    return medicationLogToFhir(log, { ...ctx, medication: ctx.parent as MedicationRequest });
  },
  fromFhir: (resources) => medicationLogFromFhir(resources as MedicationAdministration[]),
  companions: () => [],
  ownsCompanions: true,
  parent: {
    definition: medications,
    param: 'request',
    belongsTo: (main, parentReference) => (main as MedicationAdministration).request?.reference === parentReference,
  },
};
