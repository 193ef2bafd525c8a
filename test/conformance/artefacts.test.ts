// The artefacts Haven publishes (conformance/) and its example resources: valid R4, the codes the
// reference documents give (copied here as literals), in step with the mappers' tables, and the
// examples exactly what the mappers make of the example records beside them.
// UPDATE_EXAMPLES=1 rewrites the example Bundles from the records.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, CodeSystem, MedicationRequest, Questionnaire, Resource } from '@medplum/fhirtypes';
import t from 'tap';
import { readConformance } from '../../src/conformance/load.js';
import { createValidator } from '../../src/fhir/validate.js';
import { assessmentToFhir, validateAssessment } from '../../src/mappers/assessment.js';
import { carePlanToFhir, validateCarePlan } from '../../src/mappers/care-plan.js';
import { INSTRUMENTS } from '../../src/mappers/instruments.js';
import { medicationLogToFhir, validateMedicationLog } from '../../src/mappers/medication-log.js';
import { medicationToFhir, validateMedication } from '../../src/mappers/medication.js';
import { moodEntryToFhir, validateMoodEntry } from '../../src/mappers/mood-entry.js';
import { validateVitals, vitalsToFhir } from '../../src/mappers/vitals.js';
import { conformanceDir } from '../../src/paths.js';

const validator = createValidator();
const examplesDir = path.join(conformanceDir, 'examples');
const read = <T>(file: string): T => JSON.parse(readFileSync(path.join(conformanceDir, file), 'utf8')) as T;
const LOINC = 'http://loinc.org';
const ORDINAL = 'http://hl7.org/fhir/StructureDefinition/ordinalValue';

t.test('every artefact and example resource is valid R4', async (t) => {
  const files = readdirSync(conformanceDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json') && !f.endsWith('.record.json'));
  t.ok(files.length >= 7 + 6, 'the Questionnaires, CodeSystems and an example per record kind');
  for (const file of files) t.strictSame(validator.validate(read<Resource>(file)), [], file);
});

t.test('the loader publishes the artefacts (fixed id, canonical url under Haven\'s base), not the examples', async (t) => {
  const artefacts = readConformance();
  t.ok(artefacts.every((a) => !a.file.startsWith('examples')), 'examples are not loaded');
  const urls = artefacts.map((a) => `${a.resource.resourceType}/${a.resource.id} ${(a.resource as Questionnaire).url}`);
  for (const expected of [
    'Questionnaire/phq-9 https://haven-fhir.org/fhir/Questionnaire/phq-9',
    'Questionnaire/gad-7 https://haven-fhir.org/fhir/Questionnaire/gad-7',
    'CodeSystem/haven-wellbeing https://haven-fhir.org/fhir/CodeSystem/haven-wellbeing',
    'CodeSystem/haven-feelings https://haven-fhir.org/fhir/CodeSystem/haven-feelings',
    'CodeSystem/phq-9-severity https://haven-fhir.org/fhir/CodeSystem/phq-9-severity',
    'CodeSystem/gad-7-severity https://haven-fhir.org/fhir/CodeSystem/gad-7-severity',
    'CodeSystem/record-kind https://haven-fhir.org/fhir/CodeSystem/record-kind',
  ]) {
    t.ok(urls.includes(expected), expected);
  }
});

// clinical-codes.md §1.1, §1.2 and §2.1, §2.2, in the instrument's order.
const FREQUENCY = [
  ['LA6568-5', 'Not at all', 0],
  ['LA6569-3', 'Several days', 1],
  ['LA6570-1', 'More than half the days', 2],
  ['LA6571-9', 'Nearly every day', 3],
];
const DIFFICULTY = ['LA6572-7', 'LA6573-5', 'LA6575-0', 'LA6574-3'];
const FORMS = {
  'phq-9': {
    panel: '44249-1',
    derivedFrom: 'http://loinc.org/q/44249-1',
    items: ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'],
    total: '44261-6',
    texts: {
      '44250-9': 'Little interest or pleasure in doing things',
      '44258-2': 'Feeling bad about yourself-or that you are a failure or have let yourself or your family down',
      '44260-8': 'Thoughts that you would be better off dead, or of hurting yourself in some way',
    } as Record<string, string>,
  },
  'gad-7': {
    panel: '69737-5',
    derivedFrom: 'http://loinc.org/q/69737-5',
    items: ['69725-0', '68509-9', '69733-4', '69734-2', '69735-9', '69689-8', '69736-7'],
    total: '70274-6',
    texts: {
      '68509-9': 'Over the past 2 weeks have you not been able to stop or control worrying',
      '69689-8': 'Becoming easily annoyed or irritable.',
    } as Record<string, string>,
  },
};

t.test('the PHQ-9 and GAD-7 Questionnaires: canonical, version, LOINC panel, items, answers and scores', async (t) => {
  for (const [id, form] of Object.entries(FORMS)) {
    const q = read<Questionnaire>(`Questionnaire-${id}.json`);
    t.equal(q.url, `https://haven-fhir.org/fhir/Questionnaire/${id}`);
    t.ok(q.version, 'a version');
    t.equal(q.status, 'active');
    t.strictSame(q.code?.map((c) => `${c.system}|${c.code}`), [`${LOINC}|${form.panel}`]);
    t.strictSame(q.derivedFrom, [form.derivedFrom]);
    const items = q.item ?? [];
    for (const item of items) {
      t.equal(item.code?.length, 1, `${item.linkId} has one code`);
      t.equal(item.code?.[0].system, LOINC, `${item.linkId} is LOINC-coded`);
      t.equal(item.linkId, `/${item.code?.[0].code}`, 'linkId is "/<LOINC code>"');
    }
    const scored = items.filter((i) => form.items.includes(i.code?.[0].code as string));
    t.strictSame(scored.map((i) => i.code?.[0].code), form.items, 'the scored items in the instrument order');
    for (const item of scored) {
      const code = item.code?.[0].code as string;
      t.equal(item.type, 'choice');
      t.equal(item.required, true);
      if (form.texts[code]) t.equal(item.text, form.texts[code], `${code} text`);
      const options = item.answerOption?.map((o) => [o.valueCoding?.system, o.valueCoding?.code, o.valueCoding?.display, o.extension?.find((e) => e.url === ORDINAL)?.valueDecimal]);
      const expected = FREQUENCY.map(([c, d, s]) => [LOINC, c, d, s]);
      // GAD-7 item 2: LOINC's answer list puts "More days than not" at 2 (clinical-codes.md §2.2).
      if (code === '68509-9') expected[2] = [LOINC, 'LA18938-3', 'More days than not', 2];
      t.strictSame(options, expected, `${code} answers with their scores`);
    }
    const difficulty = items.find((i) => i.code?.[0].code === '69722-7');
    t.strictSame(difficulty?.answerOption?.map((o) => o.valueCoding?.code), DIFFICULTY, 'difficulty answers in LOINC form order');
    t.notOk(difficulty?.answerOption?.some((o) => o.extension), 'the difficulty item is not scored');
    const total = items.find((i) => i.code?.[0].code === form.total);
    t.ok(total?.readOnly, `total ${form.total} is computed`);
  }
});

t.test("the Questionnaires say what the scorer's tables say", async (t) => {
  for (const instrument of Object.values(INSTRUMENTS)) {
    const q = read<Questionnaire>(`Questionnaire-${instrument.type.toLowerCase()}.json`);
    t.equal(`${q.url}|${q.version}`, `${instrument.url}|${instrument.version}`);
    for (const item of [...instrument.items, instrument.difficulty]) {
      const published = q.item?.find((i) => i.linkId === `/${item.code}`);
      t.strictSame(published?.answerOption?.map((o) => o.valueCoding?.code), item.answers.map((a) => a.code), item.code);
      t.equal(published?.text, item.text);
      t.equal(published?.code?.[0].display, item.display);
    }
  }
});

t.test("Haven's CodeSystems hold the codes mapping.md and the contract name", async (t) => {
  const codes = (id: string) => {
    const cs = read<CodeSystem>(`CodeSystem-${id}.json`);
    t.equal(cs.url, `https://haven-fhir.org/fhir/CodeSystem/${id}`);
    t.equal(cs.content, 'complete');
    t.equal(cs.count, cs.concept?.length);
    return cs.concept?.map((c) => c.code) ?? [];
  };
  const wellbeing = codes('haven-wellbeing');
  for (const code of ['mood-self-rating', 'energy-self-rating', 'anxiety-self-rating', 'stress-self-rating', 'feeling', 'trigger', 'sleep-quality-self-rating']) {
    t.ok(wellbeing.includes(code), `haven-wellbeing has ${code}`);
  }
  t.equal(read<CodeSystem>('CodeSystem-haven-wellbeing.json').concept?.find((c) => c.code === 'mood-self-rating')?.display, 'Mood self-rating (1-10)');
  const feelings = read<CodeSystem>('CodeSystem-haven-feelings.json').concept?.map((c) => c.display);
  t.strictSame(feelings, ['Happy', 'Sad', 'Angry', 'Fearful', 'Surprised', 'Disgusted', 'Calm']);
  codes('haven-feelings');
  t.strictSame(codes('phq-9-severity'), ['none-minimal', 'mild', 'moderate', 'moderately-severe', 'severe']);
  t.strictSame(codes('gad-7-severity'), ['minimal', 'mild', 'moderate', 'severe']);
  t.strictSame(codes('record-kind'), ['mood-entry', 'vitals', 'medication', 'medication-log', 'assessment', 'care-plan']);
  const bands = (id: string) =>
    read<CodeSystem>(`CodeSystem-${id}.json`).concept?.map((c) => [c.property?.find((p) => p.code === 'score-low')?.valueInteger, c.property?.find((p) => p.code === 'score-high')?.valueInteger]);
  t.strictSame(bands('phq-9-severity'), [[0, 4], [5, 9], [10, 14], [15, 19], [20, 27]]);
  t.strictSame(bands('gad-7-severity'), [[0, 4], [5, 9], [10, 14], [15, 21]]);
});

/** What the mappers make of each example record; fixed ids and clock so the examples are stable. */
function exampleResources(): Record<string, Resource[]> {
  const record = (kind: string): unknown => JSON.parse(readFileSync(path.join(examplesDir, `${kind}.record.json`), 'utf8'));
  const ctx = (kind: string) => ({ patientId: 'example', id: `${kind}-example` });
  const now = new Date('2024-05-01T15:00:00Z');
  const medication = medicationToFhir(validateMedication(record('medication')), { ...ctx('medication'), now });
  return {
    'mood-entry': moodEntryToFhir(validateMoodEntry(record('mood-entry')), ctx('mood-entry')),
    vitals: vitalsToFhir(validateVitals(record('vitals')), ctx('vitals')),
    medication,
    'medication-log': medicationLogToFhir(validateMedicationLog(record('medication-log')), { ...ctx('medication-log'), medication: medication[0] as MedicationRequest }),
    assessment: assessmentToFhir(validateAssessment(record('assessment'), now), { ...ctx('assessment'), now, careTeamIds: ['example-care-team'] }),
    'care-plan': carePlanToFhir(validateCarePlan(record('care-plan')), ctx('care-plan')),
  };
}

t.test('each example Bundle is exactly what the mappers make of the example record beside it', async (t) => {
  for (const [kind, resources] of Object.entries(exampleResources())) {
    const bundle: Bundle = { resourceType: 'Bundle', id: `${kind}-example`, type: 'collection', entry: resources.map((resource) => ({ resource })) };
    const file = path.join(examplesDir, `${kind}.json`);
    if (process.env.UPDATE_EXAMPLES) writeFileSync(file, JSON.stringify(bundle, null, 2) + '\n');
    t.strictSame(JSON.parse(readFileSync(file, 'utf8')), bundle, `examples/${kind}.json`);
  }
});
