// Codes, units, profiles and shapes of the resources the mappers build, checked against literal
// values copied from ../shared/reference/clinical-codes.md and mapping.md (never against the
// mappers' own constants), and the required elements of every profile a resource claims.
import type {
  CarePlan,
  CodeableConcept,
  Communication,
  Flag,
  Goal,
  MedicationAdministration,
  MedicationRequest,
  Observation,
  QuestionnaireResponse,
  Resource,
} from '@medplum/fhirtypes';
import t, { type Test } from 'tap';
import { assessmentToFhir, validateAssessment } from '../../src/mappers/assessment.js';
import { carePlanToFhir, validateCarePlan } from '../../src/mappers/care-plan.js';
import { medicationLogToFhir, validateMedicationLog } from '../../src/mappers/medication-log.js';
import { medicationToFhir, validateMedication } from '../../src/mappers/medication.js';
import { moodEntryToFhir, validateMoodEntry } from '../../src/mappers/mood-entry.js';
import { validateVitals, vitalsToFhir } from '../../src/mappers/vitals.js';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const WELLBEING = 'https://haven-fhir.org/fhir/CodeSystem/haven-wellbeing';
const RECORD_KIND = 'https://haven-fhir.org/fhir/CodeSystem/record-kind';
const VS = 'http://hl7.org/fhir/StructureDefinition/';
const US_CORE_PULSE_OX = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-pulse-oximetry';
const US_CORE_SCREENING = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-screening-assessment';

const ctx = { patientId: 'pat-1', id: 'rec-1' };
const patient = { reference: 'Patient/pat-1' };
const now = new Date('2024-06-01T12:00:00Z');

const codings = (c: CodeableConcept | undefined) => (c?.coding ?? []).map((x) => `${x.system}|${x.code}`);
const withCode = (observations: Observation[], code: string) => observations.find((o) => codings(o.code).includes(`${LOINC}|${code}`)) as Observation;

// The rules of each profile Haven claims: the required elements and fixed values
// (clinical-codes.md §4.2 for the R4 vital signs profiles, §4.1 notes for US Core pulse
// oximetry, US Core's screening-assessment StructureDefinition for survey Observations).
type Rule = (t: Test, o: Observation) => void;
const OBSERVATION_STATUS = ['registered', 'preliminary', 'final', 'amended', 'cancelled', 'entered-in-error', 'unknown'];

const vitalSign =
  (loinc: string | null, units: string[] | null, extra?: Rule): Rule =>
  (t, o) => {
    t.ok(OBSERVATION_STATUS.includes(o.status), 'status from observation-status');
    t.ok(
      o.category?.some((c) => codings(c).includes(`${OBS_CATEGORY}|vital-signs`)),
      'category slice VSCat',
    );
    if (loinc) t.ok(codings(o.code).includes(`${LOINC}|${loinc}`), `code has the LOINC coding ${loinc}`);
    t.match(o.subject?.reference, /^Patient\//, 'subject is the Patient');
    t.match(o.effectiveDateTime, /^\d{4}-\d{2}-\d{2}/, 'effective[x] to the day at least (vs-1)');
    if (!o.component && !o.hasMember) t.ok(o.valueQuantity || o.dataAbsentReason, 'value or dataAbsentReason (vs-2)');
    if (units) {
      const q = o.valueQuantity;
      t.ok(q?.value !== undefined && q.unit && q.system && q.code, 'valueQuantity value, unit, system and code are each present');
      t.equal(q?.system, UCUM);
      t.ok(units.includes(q?.code as string), `unit ${q?.code} is one of ${units.join(', ')}`);
    }
    extra?.(t, o);
  };

const PROFILE_RULES: Record<string, Rule> = {
  [`${VS}vitalspanel`]: vitalSign('85353-1', null, (t, o) => {
    t.notOk(o.valueQuantity, 'value 0..0');
    t.ok((o.hasMember?.length ?? 0) >= 1, 'hasMember 1..*');
  }),
  [`${VS}bp`]: vitalSign('85354-9', null, (t, o) => {
    t.notOk(o.valueQuantity, 'top-level valueQuantity 0..0');
    for (const code of ['8480-6', '8462-4']) {
      const component = o.component?.filter((c) => codings(c.code).includes(`${LOINC}|${code}`)) ?? [];
      t.equal(component.length, 1, `component slice ${code} 1..1`);
      t.equal(component[0]?.valueQuantity?.system, UCUM);
      t.equal(component[0]?.valueQuantity?.code, 'mm[Hg]');
      t.ok(component[0]?.valueQuantity?.unit, 'component unit present');
    }
  }),
  [`${VS}heartrate`]: vitalSign('8867-4', ['/min']),
  [`${VS}bodyweight`]: vitalSign('29463-7', ['kg', 'g', '[lb_av]']),
  [`${VS}bodytemp`]: vitalSign('8310-5', ['Cel', '[degF]']),
  [`${VS}oxygensat`]: vitalSign('2708-6', ['%']),
  [US_CORE_PULSE_OX]: vitalSign('59408-5', ['%'], (t, o) => t.ok(codings(o.code).includes(`${LOINC}|2708-6`), 'both codings: 59408-5 and 2708-6')),
  [US_CORE_SCREENING]: (t, o) => {
    t.ok(OBSERVATION_STATUS.includes(o.status), 'status');
    t.equal(o.category?.filter((c) => codings(c).includes(`${OBS_CATEGORY}|survey`)).length, 1, 'category slice survey 1..1');
    t.ok(o.code?.coding?.length, 'code');
    t.match(o.subject?.reference, /^Patient\//, 'subject 1..1, the Patient');
    t.match(o.effectiveDateTime, /^\d{4}-\d{2}-\d{2}/, 'us-core-1: to the day at least');
    t.ok(o.component || o.hasMember || o.valueQuantity || o.valueCodeableConcept || o.dataAbsentReason, 'us-core-2');
    if (o.valueQuantity?.system) t.equal(o.valueQuantity.system, UCUM, 'us-core-3: UCUM');
  },
};

function checkProfiles(t: Test, resources: Resource[]): void {
  for (const resource of resources) {
    for (const profile of resource.meta?.profile ?? []) {
      const rule = PROFILE_RULES[profile];
      t.ok(rule, `${resource.resourceType}/${resource.id} claims ${profile}, whose rules this test checks`);
      t.test(profile, async (t) => rule?.(t, resource as Observation));
    }
  }
}

t.test('mood entry: survey Observation with Haven wellbeing codes, {score} and h', async (t) => {
  const [o] = moodEntryToFhir(
    validateMoodEntry({
      recordedAt: '2024-05-01T08:30:00Z',
      overallMood: 7,
      energyLevel: 5,
      anxietyLevel: 3,
      stressLevel: 4,
      sleepHours: 6.5,
      feelings: ['happy', 'hopeful'],
      triggers: ['deadline'],
      notes: 'ok',
    }),
    ctx,
  );
  t.strictSame(o.meta?.tag, [{ system: RECORD_KIND, code: 'mood-entry' }]);
  t.equal(o.status, 'final');
  t.strictSame(codings(o.category?.[0]), [`${OBS_CATEGORY}|survey`]);
  t.strictSame(codings(o.code), [`${WELLBEING}|mood-self-rating`]);
  t.equal(o.code.text, 'Mood self-rating (1-10)');
  t.strictSame(o.subject, patient);
  t.strictSame(o.performer, [patient], 'the patient is the source');
  t.equal(o.effectiveDateTime, '2024-05-01T08:30:00Z');
  t.strictSame(o.valueQuantity, { value: 7, unit: '{score}', system: UCUM, code: '{score}' });
  t.equal(o.referenceRange?.[0].low?.value, 1);
  t.equal(o.referenceRange?.[0].high?.value, 10);
  t.equal(o.note?.[0].text, 'ok');
  const component = (system: string, code: string) => o.component?.filter((c) => codings(c.code).includes(`${system}|${code}`)) ?? [];
  for (const [code, value] of [
    ['energy-self-rating', 5],
    ['anxiety-self-rating', 3],
    ['stress-self-rating', 4],
  ] as const) {
    t.strictSame(component(WELLBEING, code)[0]?.valueQuantity, { value, unit: '{score}', system: UCUM, code: '{score}' }, code);
  }
  const sleep = component(LOINC, '93832-4')[0];
  t.equal(sleep?.valueQuantity?.value, 6.5);
  t.equal(sleep?.valueQuantity?.system, UCUM);
  t.equal(sleep?.valueQuantity?.code, 'h');
  const feelings = component(WELLBEING, 'feeling');
  t.strictSame(
    feelings.map((c) => c.valueCodeableConcept),
    [{ coding: [{ system: 'https://haven-fhir.org/fhir/CodeSystem/haven-feelings', code: 'happy', display: 'Happy' }], text: 'happy' }, { text: 'hopeful' }],
    'a listed feeling gets its code, every feeling keeps its text',
  );
  t.strictSame(
    component(WELLBEING, 'trigger').map((c) => c.valueString),
    ['deadline'],
  );
});

t.test('vitals: LOINC codes, UCUM units and the R4 vital signs profiles', async (t) => {
  const resources = vitalsToFhir(
    validateVitals({
      recordedAt: '2024-05-01T07:00:00Z',
      systolicBP: 128,
      diastolicBP: 82,
      heartRate: 64,
      weightLb: 182,
      oxygenSaturation: 97,
      temperatureF: 98.6,
      notes: 'n',
    }),
    ctx,
  );
  const [panel, ...members] = resources;
  t.strictSame(panel.meta?.profile, [`${VS}vitalspanel`]);
  t.strictSame(panel.meta?.tag, [{ system: RECORD_KIND, code: 'vitals' }]);
  t.strictSame(codings(panel.code), [`${LOINC}|85353-1`]);
  t.strictSame(
    panel.hasMember?.map((r) => r.reference),
    members.map((m) => `Observation/${m.id}`),
  );
  t.equal(panel.note?.[0].text, 'n', 'notes on the panel');
  const expect: Array<[string, string[], string | null, number | null, string]> = [
    ['85354-9', [`${VS}bp`], null, null, 'Blood pressure panel with all children optional'],
    ['8867-4', [`${VS}heartrate`], '/min', 64, 'Heart rate'],
    ['29463-7', [`${VS}bodyweight`], '[lb_av]', 182, 'Body weight'],
    ['8310-5', [`${VS}bodytemp`], '[degF]', 98.6, 'Body temperature'],
  ];
  for (const [code, profiles, unit, value, display] of expect) {
    const o = withCode(members, code);
    t.ok(o, `a ${code} Observation`);
    t.strictSame(o.meta?.profile, profiles);
    t.equal(o.code.coding?.[0].display, display);
    t.strictSame(o.performer, [patient]);
    t.equal(o.status, 'final');
    t.equal(o.effectiveDateTime, '2024-05-01T07:00:00Z');
    if (unit) t.strictSame([o.valueQuantity?.value, o.valueQuantity?.system, o.valueQuantity?.code], [value, UCUM, unit]);
  }
  const bp = withCode(members, '85354-9');
  const bpComponent = (code: string) => bp.component?.find((c) => codings(c.code).includes(`${LOINC}|${code}`));
  t.strictSame([bpComponent('8480-6')?.valueQuantity?.value, bpComponent('8480-6')?.valueQuantity?.code], [128, 'mm[Hg]']);
  t.strictSame([bpComponent('8462-4')?.valueQuantity?.value, bpComponent('8462-4')?.valueQuantity?.code], [82, 'mm[Hg]']);
  t.equal(bpComponent('8480-6')?.code.coding?.[0].display, 'Systolic blood pressure');
  t.equal(bpComponent('8462-4')?.code.coding?.[0].display, 'Diastolic blood pressure');
  const spo2 = withCode(members, '59408-5');
  t.strictSame(codings(spo2.code), [`${LOINC}|59408-5`, `${LOINC}|2708-6`], 'both oxygen saturation codings');
  t.strictSame(spo2.meta?.profile, [`${VS}oxygensat`, US_CORE_PULSE_OX]);
  t.strictSame([spo2.valueQuantity?.value, spo2.valueQuantity?.code], [97, '%']);
  checkProfiles(t, resources);
});

t.test('medication: a reported MedicationRequest with RxNorm, dosage instruction and status', async (t) => {
  const base = {
    name: 'Metoprolol succinate 25 mg',
    rxnorm: '866427',
    dosage: '25 mg',
    frequency: 'twice daily',
    timeOfDay: '08:00, 20:00',
    startDate: '2024-01-01',
    endDate: '2099-12-31',
    purpose: 'heart rate',
    instructions: 'Do not stop suddenly.',
  };
  const [request] = medicationToFhir(validateMedication(base), { ...ctx, now }) as MedicationRequest[];
  t.strictSame(request.meta?.tag, [{ system: RECORD_KIND, code: 'medication' }]);
  t.equal(request.intent, 'plan');
  t.equal(request.reportedBoolean, true);
  t.equal(request.status, 'active');
  t.strictSame(request.medicationCodeableConcept, {
    coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '866427' }],
    text: 'Metoprolol succinate 25 mg',
  });
  t.strictSame(request.subject, patient);
  t.strictSame(request.requester, patient, 'the patient requests it when no prescriber is named');
  t.equal(request.reasonCode?.[0].text, 'heart rate');
  const dosage = request.dosageInstruction?.[0];
  t.equal(dosage?.text, '25 mg');
  t.equal(dosage?.patientInstruction, 'Do not stop suddenly.');
  t.strictSame(dosage?.timing?.repeat?.boundsPeriod, { start: '2024-01-01', end: '2099-12-31' });
  t.equal(dosage?.timing?.code?.text, 'twice daily');
  t.strictSame([dosage?.timing?.repeat?.frequency, dosage?.timing?.repeat?.period, dosage?.timing?.repeat?.periodUnit], [2, 1, 'd'], 'structured frequency');
  t.strictSame(dosage?.timing?.repeat?.timeOfDay, ['08:00:00', '20:00:00'], 'structured times of day');

  const named = medicationToFhir(validateMedication({ ...base, prescribedBy: 'Dr. Lee' }), { ...ctx, now })[0];
  t.strictSame(named.requester, { display: 'Dr. Lee' });
  t.equal(medicationToFhir(validateMedication({ ...base, active: false }), { ...ctx, now })[0].status, 'stopped');
  t.equal(medicationToFhir(validateMedication({ ...base, endDate: '2024-05-31' }), { ...ctx, now })[0].status, 'completed');
  t.equal(medicationToFhir(validateMedication({ ...base, endDate: '2024-06-01' }), { ...ctx, now })[0].status, 'active', 'still active on its end date');
});

t.test('medication log: MedicationAdministration status, link and dose', async (t) => {
  const [request] = medicationToFhir(validateMedication({ name: 'Sertraline', rxnorm: '312940' }), { ...ctx, id: 'med-1', now });
  const build = (input: object) => medicationLogToFhir(validateMedicationLog(input), { ...ctx, medication: request })[0] as MedicationAdministration;
  const taken = build({ takenAt: '2024-05-01T08:05:00Z', dosageTaken: '50 mg', notes: 'fine' });
  t.strictSame(taken.meta?.tag, [{ system: RECORD_KIND, code: 'medication-log' }]);
  t.equal(taken.status, 'completed');
  t.notOk(taken.statusReason);
  t.equal(taken.effectiveDateTime, '2024-05-01T08:05:00Z');
  t.strictSame(taken.request, { reference: 'MedicationRequest/med-1' });
  t.strictSame(taken.medicationCodeableConcept, request.medicationCodeableConcept, 'medication copied from the request');
  t.strictSame(taken.performer, [{ actor: patient }]);
  t.strictSame(taken.subject, patient);
  t.strictSame(taken.dosage?.dose, { value: 50, unit: 'mg', system: UCUM, code: 'mg' });
  t.strictSame(taken.note, [{ text: 'fine' }]);
  const missed = build({ takenAt: '2024-05-01T08:05:00Z', status: 'missed' });
  t.equal(missed.status, 'not-done');
  t.equal(missed.statusReason?.[0].text, 'missed');
  const skipped = build({ takenAt: '2024-05-01T08:05:00Z', status: 'skipped', dosageTaken: 'half a tablet' });
  t.equal(skipped.status, 'not-done');
  t.equal(skipped.statusReason?.[0].text, 'skipped');
  t.notOk(skipped.dosage, 'no dosage without a dose (mad-1)');
  t.match(skipped.note?.[0].text, /half a tablet/, 'a dosage that is no quantity is kept in a note');
});

t.test('PHQ-9: response on Haven form, LOINC answers, US Core screening Observations, severity, Flag', async (t) => {
  const record = validateAssessment({ type: 'PHQ-9', responses: [0, 1, 2, 3, 0, 1, 2, 3, 1], difficulty: 2, takenAt: '2024-05-01T09:00:00Z' }, now);
  const resources = assessmentToFhir(record, { ...ctx, now, careTeamIds: ['team-1', 'team-2'] });
  const response = resources[0] as QuestionnaireResponse;
  t.strictSame(response.meta?.tag, [{ system: RECORD_KIND, code: 'assessment' }]);
  t.equal(response.questionnaire, 'https://haven-fhir.org/fhir/Questionnaire/phq-9|1.0.0', 'canonical|version');
  t.equal(response.status, 'completed');
  t.equal(response.authored, '2024-05-01T09:00:00Z');
  t.strictSame([response.subject, response.author], [patient, patient]);
  const answerOf = (linkId: string) => response.item?.find((i) => i.linkId === linkId)?.answer?.[0];
  // Items in the instrument's order (clinical-codes.md §1.1), answers LL358-3 (§1.2).
  const items = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];
  const answers = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9', 'LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9', 'LA6569-3'];
  items.forEach((code, i) =>
    t.strictSame([answerOf(`/${code}`)?.valueCoding?.system, answerOf(`/${code}`)?.valueCoding?.code], [LOINC, answers[i]], `item ${i + 1} ${code}`),
  );
  t.equal(answerOf('/69722-7')?.valueCoding?.code, 'LA6575-0', 'difficulty 2 is "Very difficult" (LA6575-0 comes before LA6574-3)');
  t.equal(answerOf('/44261-6')?.valueInteger, 13);

  const observations = resources.filter((r): r is Observation => r.resourceType === 'Observation');
  const panel = withCode(observations, '44249-1');
  const total = withCode(observations, '44261-6');
  t.equal(panel.code.coding?.[0].display, 'PHQ-9 quick depression assessment panel [Reported.PHQ]');
  t.equal(total.code.coding?.[0].display, 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]');
  t.equal(
    withCode(observations, '44260-8').code.coding?.[0].display,
    'Thoughts that you would be better off dead, or of hurting yourself in some way in last 2 weeks [Reported.PHQ]',
  );
  t.strictSame(total.valueQuantity, { value: 13, unit: '{score}', system: UCUM, code: '{score}' });
  t.strictSame(codings(total.interpretation?.[0]), ['https://haven-fhir.org/fhir/CodeSystem/phq-9-severity|moderate']);
  t.ok(total.interpretation?.[0].text, 'the band name as text');
  t.equal(observations.length, 1 + 9 + 1 + 1, 'panel, nine items, difficulty, total');
  t.strictSame(
    new Set(panel.hasMember?.map((r) => r.reference)),
    new Set(observations.filter((o) => o !== panel).map((o) => `Observation/${o.id}`)),
    'the panel has every item and the total as members',
  );
  for (const o of observations) {
    t.strictSame(o.derivedFrom, [{ reference: 'QuestionnaireResponse/rec-1' }], `${o.code.coding?.[0].code} derivedFrom the response`);
    t.ok(
      o.category?.some((c) => codings(c).includes(`${OBS_CATEGORY}|survey`)),
      'category survey',
    );
    t.equal(o.effectiveDateTime, '2024-05-01T09:00:00Z');
  }
  t.strictSame(withCode(observations, '44260-8').valueCodeableConcept?.coding?.[0].code, 'LA6569-3');
  checkProfiles(t, observations);

  const flag = resources.find((r): r is Flag => r.resourceType === 'Flag') as Flag;
  t.equal(flag.status, 'active');
  t.strictSame(codings(flag.category?.[0]), ['http://terminology.hl7.org/CodeSystem/flag-category|safety']);
  t.strictSame(codings(flag.code), ['http://snomed.info/sct|225444004']);
  t.equal(flag.code.text, 'Positive PHQ-9 item 9: suicide-risk follow-up needed');
  t.strictSame(flag.subject, patient);
  t.equal(flag.period?.start, now.toISOString());
  const communication = resources.find((r): r is Communication => r.resourceType === 'Communication') as Communication;
  t.equal(communication.priority, 'urgent');
  t.strictSame(communication.about, [{ reference: `Flag/${flag.id}` }, { reference: 'QuestionnaireResponse/rec-1' }]);
  t.strictSame(communication.recipient, [{ reference: 'CareTeam/team-1' }, { reference: 'CareTeam/team-2' }]);
});

t.test('GAD-7: item 2 answers LA18938-3 for 2; panel 69737-5, total 70274-6, gad-7-severity', async (t) => {
  const record = validateAssessment({ type: 'GAD-7', responses: [2, 2, 2, 2, 2, 2, 2], takenAt: '2024-05-01T09:00:00Z' }, now);
  const resources = assessmentToFhir(record, { ...ctx, now, careTeamIds: ['team-1'] });
  const response = resources[0] as QuestionnaireResponse;
  t.equal(response.questionnaire, 'https://haven-fhir.org/fhir/Questionnaire/gad-7|1.0.0');
  const answerOf = (linkId: string) => response.item?.find((i) => i.linkId === linkId)?.answer?.[0]?.valueCoding?.code;
  t.equal(answerOf('/68509-9'), 'LA18938-3', 'item 2 "More days than not"');
  for (const code of ['69725-0', '69733-4', '69734-2', '69735-9', '69689-8', '69736-7']) t.equal(answerOf(`/${code}`), 'LA6570-1', code);
  const observations = resources.filter((r): r is Observation => r.resourceType === 'Observation');
  t.ok(withCode(observations, '69737-5').hasMember, 'panel 69737-5');
  const total = withCode(observations, '70274-6');
  t.equal(total.valueQuantity?.value, 14);
  t.strictSame(codings(total.interpretation?.[0]), ['https://haven-fhir.org/fhir/CodeSystem/gad-7-severity|moderate']);
  t.notOk(
    resources.some((r) => r.resourceType === 'Flag'),
    'no GAD-7 item raises a flag',
  );
  checkProfiles(t, observations);
});

t.test('care plan: CarePlan with assess-plan, Goals and activity details', async (t) => {
  const [plan, ...goals] = carePlanToFhir(
    validateCarePlan({
      title: 'Rehab',
      description: 'd',
      start: '2024-05-01',
      end: '2024-08-01',
      goals: [{ description: 'Walk daily', targetDate: '2024-06-01' }],
      activities: [{ description: 'Exercise', schedule: 'Mon/Wed/Fri' }],
    }),
    ctx,
  ) as [CarePlan, ...Goal[]];
  t.strictSame(plan.meta?.tag, [{ system: RECORD_KIND, code: 'care-plan' }]);
  t.equal(plan.status, 'active');
  t.equal(plan.intent, 'plan');
  t.strictSame(codings(plan.category?.[0]), ['http://hl7.org/fhir/us/core/CodeSystem/careplan-category|assess-plan']);
  t.strictSame([plan.title, plan.description], ['Rehab', 'd']);
  t.strictSame(plan.period, { start: '2024-05-01', end: '2024-08-01' });
  t.strictSame(plan.subject, patient);
  t.strictSame(plan.goal, [{ reference: `Goal/${goals[0].id}` }]);
  t.strictSame(plan.activity, [{ detail: { status: 'not-started', description: 'Exercise', scheduledString: 'Mon/Wed/Fri' } }]);
  t.equal(goals[0].lifecycleStatus, 'active');
  t.strictSame(goals[0].description, { text: 'Walk daily' });
  t.strictSame(goals[0].target, [{ dueDate: '2024-06-01' }]);
  t.strictSame(goals[0].subject, patient);
});
