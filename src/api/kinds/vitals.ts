// vitals: a vital-signs panel Observation and one Observation per measurement (src/mappers/vitals.ts).
import type { Observation } from '@medplum/fhirtypes';
import { referencedId } from '../../mappers/fhir.js';
import { validateVitals, vitalsFromFhir, vitalsToFhir, type Vitals } from '../../mappers/vitals.js';
import type { RecordDefinition } from '../record-definition.js';

export const vitals: RecordDefinition<Vitals> = {
  path: 'vitals',
  kind: 'vitals',
  label: 'vitals record',
  mainType: 'Observation',
  types: ['Observation'],
  dateParam: 'date',
  validate: (input) => validateVitals(input),
  toFhir: (record, ctx) => vitalsToFhir(record, ctx),
  fromFhir: (resources) => vitalsFromFhir(resources as Observation[]),
  // The measurements are the panel's members.
  companions: (main) =>
    ((main as Observation).hasMember ?? []).flatMap((member) => {
      const id = referencedId(member, 'Observation');
      return id ? [{ resourceType: 'Observation', id }] : [];
    }),
  ownsCompanions: true,
};
