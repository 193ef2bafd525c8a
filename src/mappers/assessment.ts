// assessments <-> a QuestionnaireResponse to Haven's PHQ-9 or GAD-7 form, plus what it derives
// (mapping.md "assessments"). The record's id is the response's.
import type { QuestionnaireResponse, QuestionnaireResponseItem, Resource } from '@medplum/fhirtypes';
import { SYSTEM } from './codes.js';
import { deriveAssessment, type AssessmentDerivation } from './assessment-derivation.js';
import { coding, patientReference, recordMeta, RecordShapeError, referenceString, type RecordContext, type StoredRecord } from './fhir.js';
import { ASSESSMENT_TYPES, INSTRUMENTS, linkIdOf, scoreOf, type AssessmentType, type InstrumentItem } from './instruments.js';
import { readResponse } from './questionnaire-response.js';
import { field, recordValidator, type FieldProblem } from './validation.js';

export interface Assessment {
  type: AssessmentType;
  /** Item scores 0-3 in the instrument's order: 9 for the PHQ-9, 7 for the GAD-7. */
  responses: number[];
  /** The unscored "how difficult" answer, 0-3. */
  difficulty?: number;
  takenAt: string;
}

/** An assessment as the API answers it: with its computed total and severity band. */
export interface ScoredAssessment extends Assessment {
  score: number;
  severity: string;
}

const validateFields = recordValidator<Omit<Assessment, 'takenAt'> & { takenAt?: string }>({
  properties: {
    type: { enum: [...ASSESSMENT_TYPES] },
    responses: { type: 'array', minItems: 1, maxItems: 9, items: field.integer(0, 3) },
    difficulty: field.integer(0, 3),
    takenAt: field.instant,
  },
  required: ['type', 'responses'],
  computed: { score: { type: 'integer' }, severity: { type: 'string' } },
  check: (a): FieldProblem[] => {
    const expected = INSTRUMENTS[a.type].items.length;
    return a.responses.length === expected
      ? []
      : [{ field: 'responses', message: `responses of a ${a.type} must be ${expected} item scores, not ${a.responses.length}` }];
  },
});

/** Validates an assessment; takenAt defaults to now. */
export function validateAssessment(input: unknown, now: Date): Assessment {
  const record = validateFields(input);
  return { ...record, takenAt: record.takenAt ?? now.toISOString() };
}

export interface AssessmentContext extends RecordContext {
  now: Date;
  /** The patient's active CareTeams, told of a positive PHQ-9 item 9. */
  careTeamIds: readonly string[];
}

/** The response for an assessment record, on Haven's form. */
export function assessmentResponse(assessment: Assessment, ctx: RecordContext): QuestionnaireResponse {
  const instrument = INSTRUMENTS[assessment.type];
  const answer = (item: InstrumentItem, index: number): QuestionnaireResponseItem => {
    const option = item.answers[index];
    return { linkId: linkIdOf(item.code), text: item.text, answer: [{ valueCoding: coding(SYSTEM.loinc, option) }] };
  };
  const items = instrument.items.map((item, i) => answer(item, assessment.responses[i]));
  if (assessment.difficulty !== undefined) items.push(answer(instrument.difficulty, assessment.difficulty));
  const { total } = scoreOf(instrument, assessment.responses);
  items.push({ linkId: linkIdOf(instrument.total.code), text: instrument.total.text, answer: [{ valueInteger: total }] });
  return {
    resourceType: 'QuestionnaireResponse',
    id: ctx.id,
    meta: recordMeta('assessment'),
    questionnaire: `${instrument.url}|${instrument.version}`,
    status: 'completed',
    subject: patientReference(ctx.patientId),
    authored: assessment.takenAt,
    author: patientReference(ctx.patientId),
    item: items,
  };
}

/** The response first, then what it derives (panel, items, total, and any Flag and Communication). */
export function assessmentToFhir(assessment: Assessment, ctx: AssessmentContext): Resource[] {
  const response = assessmentResponse(assessment, ctx);
  const derived = derive(response, ctx);
  return [response, ...derived.observations, ...(derived.flag ? [derived.flag] : []), ...(derived.communication ? [derived.communication] : [])];
}

function derive(response: QuestionnaireResponse, ctx: AssessmentContext): AssessmentDerivation {
  const reading = readResponse(response);
  if (!reading) throw new RecordShapeError('Haven built a response to a form it does not know');
  return deriveAssessment(response, reading, { now: ctx.now.toISOString(), careTeamIds: ctx.careTeamIds });
}

/** The record of a response on Haven's or LOINC's PHQ-9 / GAD-7 form, with the references of all resources given. */
export function assessmentFromFhir(resources: Resource[]): StoredRecord<ScoredAssessment> {
  const response = resources[0];
  if (!response || response.resourceType !== 'QuestionnaireResponse') throw new RecordShapeError('An assessment is a QuestionnaireResponse');
  const reading = readResponse(response);
  if (!reading) throw new RecordShapeError(`QuestionnaireResponse/${response.id} is not a PHQ-9 or GAD-7 response`);
  if (!reading.scores || !response.authored) {
    throw new RecordShapeError(`QuestionnaireResponse/${response.id} does not answer every item of the ${reading.instrument.type} or has no authored time`);
  }
  const { total, band } = scoreOf(reading.instrument, reading.scores);
  const assessment: ScoredAssessment = {
    type: reading.instrument.type,
    responses: reading.scores,
    ...(reading.difficulty ? { difficulty: reading.difficulty.option.score } : {}),
    takenAt: response.authored,
    score: total,
    severity: band.code,
  };
  return { id: response.id as string, ...assessment, fhir: resources.map(referenceString) };
}
