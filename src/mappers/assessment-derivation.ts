// What a PHQ-9 or GAD-7 response derives, as US Core screening-assessment does it: a panel
// Observation with hasMember to one Observation per answered item and to the total-score
// Observation, every one derivedFrom the response, category survey, the severity band in the
// total's interpretation; and for a PHQ-9 item 9 above 0, a suicide-risk Flag and a Communication
// to the patient's active care teams (mapping.md "assessments"; clinical-codes.md §1, §10).
// The same function serves app records and responses posted through the FHIR API.
import type { Communication, Flag, Observation, QuestionnaireResponse, Reference } from '@medplum/fhirtypes';
import { isReferenceTo } from '../grammar/reference.js';
import { CATEGORY, EXTENSION, PROFILE, SUICIDE_RISK, SUICIDE_RISK_TEXT, SYSTEM, UNIT } from './codes.js';
import { coding, concept, ownedId, referenceTo, retarget, ucum } from './fhir.js';
import { bandOf, PHQ9_ITEM_9, type Instrument, type InstrumentItem } from './instruments.js';
import type { ReadAnswer, ResponseReading } from './questionnaire-response.js';

export interface DerivationContext {
  /** The time the alert is raised (Flag.period.start, Communication.sent), as a FHIR instant. */
  now: string;
  /** Ids of the patient's active CareTeams: the Communication's recipients. */
  careTeamIds: readonly string[];
}

export interface AssessmentDerivation {
  /** Panel, item Observations (instrument order, difficulty last) and total, or none. */
  observations: Observation[];
  flag?: Flag;
  communication?: Communication;
}

/** Statuses of a response whose answers stand: only these are scored. */
const FINAL_STATUSES: ReadonlyArray<QuestionnaireResponse['status']> = ['completed', 'amended'];

// Roles of derived resources in their ids (see ownedId): stable forever.
const owner = (responseId: string) => `QuestionnaireResponse/${responseId}`;
const itemRole = (code: string) => `item/${code}`;

/** Ids of every Observation a response to `instrument` may derive: what to retire when it no longer does. */
export function derivedObservationIds(responseId: string, instrument: Instrument): string[] {
  const items = [...instrument.items, instrument.difficulty].map((i) => ownedId(owner(responseId), itemRole(i.code)));
  return [ownedId(owner(responseId), 'panel'), ...items, ownedId(owner(responseId), 'total')];
}

export function flagIdOf(responseId: string): string {
  return ownedId(owner(responseId), 'flag');
}

export function communicationIdOf(responseId: string): string {
  return ownedId(owner(responseId), 'communication');
}

export function deriveAssessment(response: QuestionnaireResponse, reading: ResponseReading, ctx: DerivationContext): AssessmentDerivation {
  const id = response.id;
  const subject = response.subject;
  // Without a subject there is no patient to score for or to alert about.
  if (!id || !subject || reading.problems.length || response.status === 'entered-in-error') return { observations: [] };
  const observations = FINAL_STATUSES.includes(response.status) && reading.scores ? scoreObservations(response, reading, id, subject, reading.scores) : [];
  const item9 = reading.instrument.type === 'PHQ-9' ? reading.answers.get(PHQ9_ITEM_9) : undefined;
  if (!item9 || item9.option.score === 0) return { observations };
  const item9Observation = observations.find((o) => o.id === ownedId(owner(id), itemRole(PHQ9_ITEM_9)));
  const flag = suicideRiskFlag(id, subject, item9Observation, ctx);
  const communication = ctx.careTeamIds.length ? careTeamAlert(response, id, subject, flag, item9, ctx) : undefined;
  return { observations, flag, ...(communication ? { communication } : {}) };
}

function scoreObservations(response: QuestionnaireResponse, reading: ResponseReading, id: string, subject: Reference, scores: number[]): Observation[] {
  const { instrument } = reading;
  const base = (role: string, code: { code: string; display?: string }, text: string): Observation => ({
    resourceType: 'Observation',
    id: ownedId(owner(id), role),
    meta: { profile: [PROFILE.usCoreScreeningAssessment] },
    status: response.status === 'amended' ? 'amended' : 'final',
    // survey, plus US Core's screening category for mental status (clinical-codes.md §1.5).
    category: [concept(SYSTEM.observationCategory, CATEGORY.survey), concept(SYSTEM.usCoreCategory, CATEGORY.cognitiveStatus)],
    code: { coding: [coding(SYSTEM.loinc, code)], text },
    subject: retarget(subject),
    ...(response.authored ? { effectiveDateTime: response.authored } : {}),
    derivedFrom: [{ reference: owner(id) }],
  });
  const answered = (item: InstrumentItem, answer: ReadAnswer): Observation => ({
    ...base(itemRole(item.code), item, item.text),
    // The answers were the patient's (or whoever authored the form); the panel and total are computed.
    ...(response.author && isPerformer(response.author) ? { performer: [retarget(response.author)] } : {}),
    valueCodeableConcept: concept(SYSTEM.loinc, answer.option),
  });
  const items = instrument.items.map((item) => answered(item, reading.answers.get(item.code) as ReadAnswer));
  if (reading.difficulty) items.push(answered(instrument.difficulty, reading.difficulty));
  const total = scores.reduce((sum, s) => sum + s, 0);
  const band = bandOf(instrument, total);
  const totalObservation: Observation = {
    ...base('total', instrument.total, instrument.total.text),
    valueQuantity: ucum(total, UNIT.score),
    interpretation: [concept(instrument.severitySystem, band)],
  };
  const panel: Observation = {
    ...base('panel', instrument.panel, instrument.panel.display),
    hasMember: [...items, totalObservation].map((o) => referenceTo(o)),
  };
  return [panel, ...items, totalObservation];
}

/** Observation.performer allows these types (US Core screening assessment). */
const PERFORMER_TYPES = ['Patient', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Organization', 'CareTeam'];

function isPerformer(reference: Reference): boolean {
  return isReferenceTo(reference.reference, PERFORMER_TYPES);
}

function suicideRiskFlag(responseId: string, subject: Reference, item9Observation: Observation | undefined, ctx: DerivationContext): Flag {
  const details = [{ reference: owner(responseId) }, ...(item9Observation ? [referenceTo(item9Observation)] : [])];
  return {
    resourceType: 'Flag',
    id: flagIdOf(responseId),
    extension: details.map((valueReference) => ({ url: EXTENSION.flagDetail, valueReference })),
    status: 'active',
    category: [concept(SYSTEM.flagCategory, CATEGORY.safetyFlag)],
    code: { coding: [coding(SYSTEM.snomed, SUICIDE_RISK)], text: SUICIDE_RISK_TEXT },
    subject: retarget(subject),
    period: { start: ctx.now },
  };
}

function careTeamAlert(
  response: QuestionnaireResponse,
  responseId: string,
  subject: Reference,
  flag: Flag,
  item9: ReadAnswer,
  ctx: DerivationContext,
): Communication {
  const when = response.authored ? ` on ${response.authored}` : '';
  return {
    resourceType: 'Communication',
    id: communicationIdOf(responseId),
    status: 'completed',
    category: [concept(SYSTEM.communicationCategory, CATEGORY.alert)],
    priority: 'urgent',
    subject: retarget(subject),
    about: [referenceTo(flag), { reference: owner(responseId) }],
    recipient: ctx.careTeamIds.map((id) => ({ reference: `CareTeam/${id}` })),
    sent: ctx.now,
    payload: [
      {
        contentString: `PHQ-9 item 9 ("${item9.item.text}") was answered "${item9.option.display}"${when}. ${SUICIDE_RISK_TEXT}.`,
      },
    ],
  };
}
