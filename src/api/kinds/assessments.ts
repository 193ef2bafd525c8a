// assessments: a QuestionnaireResponse to Haven's PHQ-9 or GAD-7 form (src/mappers/assessment.ts).
// The API writes only the response; the after-write hook (src/hooks/assessment-derivation.ts)
// derives the scores, the Flag and the Communication in the same transaction, exactly as for a
// response posted through the FHIR API. So a PHQ-9 or GAD-7 response posted through the FHIR API
// (Haven's form or LOINC's) reads and lists as an assessment too, tag or not.
import type { QuestionnaireResponse } from '@medplum/fhirtypes';
import { assessmentFromFhir, assessmentResponse, validateAssessment, type Assessment } from '../../mappers/assessment.js';
import { communicationIdOf, derivedObservationIds, flagIdOf } from '../../mappers/assessment-derivation.js';
import { INSTRUMENTS } from '../../mappers/instruments.js';
import { readResponse } from '../../mappers/questionnaire-response.js';
import type { RecordDefinition, ResourceKey } from '../record-definition.js';

export const assessments: RecordDefinition<Assessment> = {
  path: 'assessments',
  kind: 'assessment',
  label: 'assessment',
  mainType: 'QuestionnaireResponse',
  types: ['QuestionnaireResponse', 'Observation'],
  hookTypes: ['Flag', 'Communication'],
  dateParam: 'authored',
  validate: (input, now) => validateAssessment(input, now),
  toFhir: (assessment, ctx) => [assessmentResponse(assessment, ctx)],
  fromFhir: (resources) => assessmentFromFhir(resources),
  companions: (main) => {
    const reading = readResponse(main as QuestionnaireResponse);
    if (!reading || !main.id) return [];
    const keys: ResourceKey[] = derivedObservationIds(main.id, reading.instrument).map((id) => ({ resourceType: 'Observation', id }));
    if (reading.instrument.type === 'PHQ-9') {
      keys.push({ resourceType: 'Flag', id: flagIdOf(main.id) }, { resourceType: 'Communication', id: communicationIdOf(main.id) });
    }
    return keys;
  },
  ownsCompanions: false,
  recognises: (main) => readResponse(main as QuestionnaireResponse) !== undefined,
  // Responses to any form of the two instruments, whatever their version.
  kindCriteria: [
    [
      'questionnaire',
      Object.values(INSTRUMENTS)
        .flatMap((i) => [i.url, i.loincUrl])
        .join(','),
    ],
  ],
};
