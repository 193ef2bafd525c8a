// care-plans: a CarePlan and one Goal per goal (src/mappers/care-plan.ts). Listed by when they were
// last written: a plan's period is optional.
import type { CarePlan, Goal } from '@medplum/fhirtypes';
import { carePlanFromFhir, carePlanToFhir, validateCarePlan, type CarePlanRecord } from '../../mappers/care-plan.js';
import { referencedId } from '../../mappers/fhir.js';
import type { RecordDefinition } from '../record-definition.js';

export const carePlans: RecordDefinition<CarePlanRecord> = {
  path: 'care-plans',
  kind: 'care-plan',
  label: 'care plan',
  mainType: 'CarePlan',
  types: ['CarePlan', 'Goal'],
  dateParam: '_lastUpdated',
  validate: (input) => validateCarePlan(input),
  toFhir: (plan, ctx) => carePlanToFhir(plan, ctx),
  fromFhir: (resources) => carePlanFromFhir(resources as Array<CarePlan | Goal>),
  companions: (main) =>
    ((main as CarePlan).goal ?? []).flatMap((goal) => {
      const id = referencedId(goal, 'Goal');
      return id ? [{ resourceType: 'Goal', id }] : [];
    }),
  ownsCompanions: true,
};
