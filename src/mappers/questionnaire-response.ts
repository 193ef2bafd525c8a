// Reads a PHQ-9 or GAD-7 QuestionnaireResponse: which instrument, which answer for which item,
// and what breaks the form. R4 response items carry no code, so items are recognised by linkId:
// Haven's form ("/<LOINC code>") strictly; LOINC's form by "/<code>", "<code>" or LOINC's numeric
// item id, ignoring items Haven does not score (clinical-codes.md §3).
import type { QuestionnaireResponse, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { SYSTEM } from './codes.js';
import { instrumentOf, linkIdOf, type AnswerOption, type Instrument, type InstrumentItem } from './instruments.js';

export interface ReadAnswer {
  item: InstrumentItem;
  option: AnswerOption;
}

export interface ResponseProblem {
  /** FHIRPath of the offending element, as OperationOutcome.issue.expression. */
  path: string;
  message: string;
}

export interface ResponseReading {
  instrument: Instrument;
  form: 'haven' | 'loinc';
  /** Answers to the scored items, by LOINC item code. */
  answers: Map<string, ReadAnswer>;
  difficulty?: ReadAnswer;
  /** The scores of the scored items in the instrument's order, when every one is answered. */
  scores?: number[];
  problems: ResponseProblem[];
}

type Role = { kind: 'scored' | 'difficulty'; item: InstrumentItem } | { kind: 'total' };

/** The reading of a response to a PHQ-9 or GAD-7 form; undefined for any other questionnaire. */
export function readResponse(response: QuestionnaireResponse): ResponseReading | undefined {
  const known = instrumentOf(response.questionnaire);
  if (!known) return undefined;
  const { instrument, form } = known;
  const roles = rolesByLinkId(instrument, form);
  const reading: ResponseReading = { instrument, form, answers: new Map(), problems: [] };
  const problem = (path: string, message: string) => reading.problems.push({ path, message });
  let totalAnswer: { value: number; path: string } | undefined;

  for (const { item, path } of flatten(response.item, 'QuestionnaireResponse')) {
    const role = roles.get(item.linkId);
    if (!role) {
      // LOINC's form has items Haven does not score; Haven's own form has no other items.
      if (form === 'haven' && item.answer?.length) problem(`${path}.linkId`, `"${item.linkId}" is not an item of ${instrument.url}`);
      continue;
    }
    const answers = item.answer ?? [];
    if (!answers.length) continue;
    if (answers.length > 1) {
      problem(`${path}.answer`, `item ${item.linkId} takes one answer, not ${answers.length}`);
      continue;
    }
    const answer = answers[0];
    if (role.kind === 'total') {
      const value = answer.valueInteger ?? answer.valueDecimal;
      if (value === undefined) problem(`${path}.answer[0]`, `the total score (item ${item.linkId}) must be a number`);
      else totalAnswer = { value, path: `${path}.answer[0]` };
      continue;
    }
    const coding = answer.valueCoding;
    const option = coding?.system === SYSTEM.loinc ? [...role.item.answers, ...(role.item.alsoAccepted ?? [])].find((o) => o.code === coding.code) : undefined;
    if (!option) {
      const offered = role.item.answers.map((o) => o.code).join(', ');
      problem(`${path}.answer[0].valueCoding`, `the answer to item ${item.linkId} must be a LOINC answer code of ${offered}`);
      continue;
    }
    const target = role.kind === 'difficulty' ? reading.difficulty : reading.answers.get(role.item.code);
    if (target) {
      problem(`${path}.linkId`, `item ${item.linkId} is answered twice`);
      continue;
    }
    if (role.kind === 'difficulty') reading.difficulty = { item: role.item, option };
    else reading.answers.set(role.item.code, { item: role.item, option });
  }

  if (instrument.items.every((item) => reading.answers.has(item.code))) {
    reading.scores = instrument.items.map((item) => (reading.answers.get(item.code) as ReadAnswer).option.score);
  }
  // Haven's own form: a finished response answers every scored item, and a total it carries is right.
  if (form === 'haven' && (response.status === 'completed' || response.status === 'amended')) {
    for (const item of instrument.items) {
      if (!reading.answers.has(item.code))
        problem('QuestionnaireResponse.item', `a ${response.status} ${instrument.type} response must answer item ${linkIdOf(item.code)}`);
    }
    const total = reading.scores?.reduce((sum, s) => sum + s, 0);
    if (totalAnswer && total !== undefined && totalAnswer.value !== total) {
      problem(totalAnswer.path, `the total score is ${total} (the sum of the item scores), not ${totalAnswer.value}`);
    }
  }
  return reading;
}

function rolesByLinkId(instrument: Instrument, form: 'haven' | 'loinc'): Map<string, Role> {
  const roles = new Map<string, Role>();
  const add = (code: string, loincFormLinkId: string | undefined, role: Role) => {
    roles.set(linkIdOf(code), role);
    if (form === 'loinc') {
      roles.set(code, role);
      if (loincFormLinkId) roles.set(loincFormLinkId, role);
    }
  };
  for (const item of instrument.items) add(item.code, item.loincFormLinkId, { kind: 'scored', item });
  add(instrument.difficulty.code, instrument.difficulty.loincFormLinkId, { kind: 'difficulty', item: instrument.difficulty });
  add(instrument.total.code, instrument.total.loincFormLinkId, { kind: 'total' });
  return roles;
}

/** Every item of the response, nested ones included (groups, and items under answers). */
function flatten(items: QuestionnaireResponseItem[] | undefined, at: string): Array<{ item: QuestionnaireResponseItem; path: string }> {
  const out: Array<{ item: QuestionnaireResponseItem; path: string }> = [];
  (items ?? []).forEach((item, i) => {
    const path = `${at}.item[${i}]`;
    out.push({ item, path });
    out.push(...flatten(item.item, path));
    (item.answer ?? []).forEach((answer, j) => out.push(...flatten(answer.item, `${path}.answer[${j}]`)));
  });
  return out;
}
