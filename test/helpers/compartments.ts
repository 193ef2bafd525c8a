// TEMPORARY, for authorization tests until the search index (issue 3) fills `compartments` from the
// R4 Patient CompartmentDefinition: puts a resource into the compartment of the Patient its
// subject / patient reference names (and a Patient into its own). Delete this file and the
// `indexer` option of testApp once the real indexer is in createServices.
import type { Resource } from '@medplum/fhirtypes';
import { minimalIndexer, type ResourceIndexer } from '../../src/store/indexer.js';

const PATIENT = /(?:^|\/)(Patient\/[A-Za-z0-9\-.]{1,64})$/;

export const subjectCompartmentIndexer: ResourceIndexer = {
  ...minimalIndexer,
  extract(resource: Resource) {
    const compartments = new Set(minimalIndexer.extract(resource).compartments);
    const r = resource as Resource & { subject?: { reference?: string }; patient?: { reference?: string } };
    for (const ref of [r.subject?.reference, r.patient?.reference]) {
      const m = ref ? PATIENT.exec(ref) : null;
      if (m) compartments.add(m[1]);
    }
    return { compartments: [...compartments] };
  },
};
