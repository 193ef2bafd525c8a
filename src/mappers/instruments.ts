// The PHQ-9 and GAD-7 as Haven scores them: LOINC panel, items in the instrument's order, answers
// with their scores, severity bands, and the linkIds responses use (clinical-codes.md §1-3).
// conformance/Questionnaire-*.json publishes the same content; a test keeps the two in step.
import { HAVEN_CANONICAL, SYSTEM } from './codes.js';

export const ASSESSMENT_TYPES = ['PHQ-9', 'GAD-7'] as const;
export type AssessmentType = (typeof ASSESSMENT_TYPES)[number];

export interface AnswerOption {
  code: string;
  display: string;
  score: number;
}

export interface InstrumentItem {
  code: string;
  /** LOINC's long common name; left out where the reference could not confirm it. */
  display?: string;
  /** The question as the form shows it (Questionnaire.item.text). */
  text: string;
  answers: AnswerOption[];
  /** Answer codes scored although not offered: LOINC lists disagree on GAD-7 item 2. */
  alsoAccepted?: AnswerOption[];
  /** linkId of the item in LOINC's own FHIR form (numeric item ids). */
  loincFormLinkId?: string;
}

export interface SeverityBand {
  code: string;
  display: string;
  min: number;
  max: number;
}

export interface Instrument {
  type: AssessmentType;
  /** Haven's Questionnaire. */
  url: string;
  version: string;
  /** LOINC's Questionnaire canonical for the panel, also accepted on responses. */
  loincUrl: string;
  panel: { code: string; display: string };
  /** Scored items, in the instrument's order. */
  items: InstrumentItem[];
  /** The unscored "how difficult" question. */
  difficulty: InstrumentItem;
  total: { code: string; display: string; text: string; loincFormLinkId?: string };
  severitySystem: string;
  bands: SeverityBand[];
}

const FREQUENCY_ANSWERS: AnswerOption[] = [
  { code: 'LA6568-5', display: 'Not at all', score: 0 },
  { code: 'LA6569-3', display: 'Several days', score: 1 },
  { code: 'LA6570-1', display: 'More than half the days', score: 2 },
  { code: 'LA6571-9', display: 'Nearly every day', score: 3 },
];

// Not scored; the record's difficulty 0-3 is the position in LOINC's form order (LA6575-0 before
// LA6574-3 is LOINC's order, not a typo).
const DIFFICULTY_ANSWERS: AnswerOption[] = [
  { code: 'LA6572-7', display: 'Not difficult at all', score: 0 },
  { code: 'LA6573-5', display: 'Somewhat difficult', score: 1 },
  { code: 'LA6575-0', display: 'Very difficult', score: 2 },
  { code: 'LA6574-3', display: 'Extremely difficult', score: 3 },
];

const DIFFICULTY_CODE = '69722-7';
const DIFFICULTY_DISPLAY =
  'How difficult have these made it for you to do your work, take care of things at home, or get along with other people [Reported.PHQ]';
const DIFFICULTY_TEXT = 'How difficult have these made it for you to do your work, take care of things at home, or get along with other people';

const phq9Item = (code: string, display: string, text: string, loincFormLinkId: string): InstrumentItem => ({
  code,
  display,
  text,
  answers: FREQUENCY_ANSWERS,
  loincFormLinkId,
});

export const PHQ9: Instrument = {
  type: 'PHQ-9',
  url: `${HAVEN_CANONICAL}/Questionnaire/phq-9`,
  version: '1.0.0',
  loincUrl: 'http://loinc.org/q/44249-1',
  panel: { code: '44249-1', display: 'PHQ-9 quick depression assessment panel [Reported.PHQ]' },
  // LOINC's item codes are not in numeric order: never map by position.
  items: [
    phq9Item('44250-9', 'Little interest or pleasure in doing things in last 2 weeks', 'Little interest or pleasure in doing things', '14363'),
    phq9Item('44255-8', 'Feeling down, depressed, or hopeless in last 2 weeks', 'Feeling down, depressed, or hopeless', '14364'),
    phq9Item(
      '44259-0',
      'Trouble falling or staying asleep, or sleeping too much in last 2 weeks [Reported.PHQ]',
      'Trouble falling or staying asleep, or sleeping too much',
      '14365',
    ),
    phq9Item('44254-1', 'Feeling tired or having little energy in last 2 weeks [Reported.PHQ]', 'Feeling tired or having little energy', '14366'),
    phq9Item('44251-7', 'Poor appetite or overeating in last 2 weeks [Reported.PHQ]', 'Poor appetite or overeating', '14367'),
    phq9Item(
      '44258-2',
      'Feeling bad about yourself - or that you are a failure or have let yourself or your family down in last 2 weeks [Reported.PHQ]',
      'Feeling bad about yourself-or that you are a failure or have let yourself or your family down',
      '14368',
    ),
    phq9Item(
      '44252-5',
      'Trouble concentrating on things, such as reading the newspaper or watching television in last 2 weeks [Reported.PHQ]',
      'Trouble concentrating on things, such as reading the newspaper or watching television',
      '14369',
    ),
    phq9Item(
      '44253-3',
      'Moving or speaking so slowly that other people could have noticed. Or the opposite - being so fidgety or restless that you have been moving around a lot more than usual in last 2 weeks [Reported.PHQ]',
      'Moving or speaking so slowly that other people could have noticed. Or the opposite - being so fidgety or restless that you have been moving around a lot more than usual',
      '14370',
    ),
    phq9Item(
      '44260-8',
      'Thoughts that you would be better off dead, or of hurting yourself in some way in last 2 weeks [Reported.PHQ]',
      'Thoughts that you would be better off dead, or of hurting yourself in some way',
      '14371',
    ),
  ],
  difficulty: { code: DIFFICULTY_CODE, display: DIFFICULTY_DISPLAY, text: DIFFICULTY_TEXT, answers: DIFFICULTY_ANSWERS, loincFormLinkId: '57492' },
  total: {
    code: '44261-6',
    display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]',
    text: 'PHQ-9 total score',
    loincFormLinkId: '14372',
  },
  severitySystem: SYSTEM.phq9Severity,
  bands: [
    { code: 'none-minimal', display: 'None-minimal', min: 0, max: 4 },
    { code: 'mild', display: 'Mild', min: 5, max: 9 },
    { code: 'moderate', display: 'Moderate', min: 10, max: 14 },
    { code: 'moderately-severe', display: 'Moderately severe', min: 15, max: 19 },
    { code: 'severe', display: 'Severe', min: 20, max: 27 },
  ],
};

/** PHQ-9 item 9: any answer above 0 is a positive suicide-risk screen, whatever the total. */
export const PHQ9_ITEM_9 = '44260-8';

// GAD-7 items carry no display: LOINC's display string for them is unconfirmed, and a wrong
// display is worse than none (clinical-codes.md §2.1). The numeric LOINC form ids are V* only.
const gad7Item = (code: string, text: string, loincFormLinkId: string, answers = FREQUENCY_ANSWERS): InstrumentItem => ({
  code,
  text,
  answers,
  loincFormLinkId,
});

export const GAD7: Instrument = {
  type: 'GAD-7',
  url: `${HAVEN_CANONICAL}/Questionnaire/gad-7`,
  version: '1.0.0',
  loincUrl: 'http://loinc.org/q/69737-5',
  panel: { code: '69737-5', display: 'Generalized anxiety disorder 7 item (GAD-7)' },
  items: [
    gad7Item('69725-0', 'Feeling nervous, anxious or on edge', '57541'),
    {
      // LOINC's panel offers "More days than not" for 2 here; other forms send LA6570-1: both score 2.
      ...gad7Item('68509-9', 'Over the past 2 weeks have you not been able to stop or control worrying', '57542', [
        FREQUENCY_ANSWERS[0],
        FREQUENCY_ANSWERS[1],
        { code: 'LA18938-3', display: 'More days than not', score: 2 },
        FREQUENCY_ANSWERS[3],
      ]),
      alsoAccepted: [FREQUENCY_ANSWERS[2]],
    },
    gad7Item('69733-4', 'Worrying too much about different things', '57543'),
    gad7Item('69734-2', 'Trouble relaxing', '57544'),
    gad7Item('69735-9', 'Being so restless that it is hard to sit still', '57545'),
    gad7Item('69689-8', 'Becoming easily annoyed or irritable.', '57546'),
    gad7Item('69736-7', 'Feeling afraid as if something awful might happen', '57547'),
  ],
  // LOINC's GAD-7 panel has no difficulty item: Haven reuses the PHQ-9's 69722-7 (a local decision,
  // documented in conformance/README.md; LOINC does not endorse it).
  difficulty: { code: DIFFICULTY_CODE, display: DIFFICULTY_DISPLAY, text: DIFFICULTY_TEXT, answers: DIFFICULTY_ANSWERS },
  total: {
    code: '70274-6',
    display: 'Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]',
    text: 'GAD-7 total score',
    loincFormLinkId: '58628',
  },
  severitySystem: SYSTEM.gad7Severity,
  bands: [
    { code: 'minimal', display: 'Minimal', min: 0, max: 4 },
    { code: 'mild', display: 'Mild', min: 5, max: 9 },
    { code: 'moderate', display: 'Moderate', min: 10, max: 14 },
    { code: 'severe', display: 'Severe', min: 15, max: 21 },
  ],
};

export const INSTRUMENTS: Record<AssessmentType, Instrument> = { 'PHQ-9': PHQ9, 'GAD-7': GAD7 };

/** Haven's linkId for an item: "/<LOINC code>", as LHC-Forms and US Core write it. */
export function linkIdOf(code: string): string {
  return `/${code}`;
}

/** The instrument a Questionnaire canonical (with or without |version) names, and whose form it is. */
export function instrumentOf(questionnaire: string | undefined): { instrument: Instrument; form: 'haven' | 'loinc' } | undefined {
  if (!questionnaire) return undefined;
  const url = questionnaire.split('|')[0];
  for (const instrument of Object.values(INSTRUMENTS)) {
    if (url === instrument.url) return { instrument, form: 'haven' };
    if (url === instrument.loincUrl) return { instrument, form: 'loinc' };
  }
  return undefined;
}

/** Total and severity band of a complete set of item scores. */
export function scoreOf(instrument: Instrument, scores: readonly number[]): { total: number; band: SeverityBand } {
  const total = scores.reduce((sum, s) => sum + s, 0);
  return { total, band: bandOf(instrument, total) };
}

export function bandOf(instrument: Instrument, total: number): SeverityBand {
  const band = instrument.bands.find((b) => total >= b.min && total <= b.max);
  if (!band) throw new RangeError(`${instrument.type} total ${total} lies outside every band`);
  return band;
}
