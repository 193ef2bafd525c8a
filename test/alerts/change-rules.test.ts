// The change rules at their edges (weight-gain-day 3.0 lb, weight-gain-week 5.0 lb, phq9-worsening
// 5 points / high at 20, gad7-worsening 4 points / high at 15), through the app-records API and
// FHIR, and the unit conversions (kg -> lb, Cel -> degF). Literal values from
// ../shared/reference/clinical-alerts.md §1.2 and §2.
import t, { type Test } from 'tap';
import { testApp } from '../helpers/app.js';
import { apiClient } from '../api/helpers.js';
import { newPatient, observation, openAlerts, postObservation, postVitals, severity, type Json } from './helpers.js';

const app = await testApp(t);
const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

async function expectAlert(t: Test, patientId: string, rule: string, expected: string | null, what: string) {
  const flags = await openAlerts(app, patientId, rule);
  if (expected === null) t.equal(flags.length, 0, `${what}: no ${rule}`);
  else {
    t.equal(flags.length, 1, `${what}: one ${rule} Flag`);
    t.equal(severity(flags[0]), expected, `${what}: ${expected}`);
  }
}

for (const [rule, daysBefore, base, values] of [
  [
    'weight-gain-day',
    1,
    180,
    [
      [182.9, null],
      [183.0, 'high'],
      [183.1, 'high'],
    ],
  ],
  [
    'weight-gain-week',
    7,
    180,
    [
      [184.9, null],
      [185.0, 'high'],
      [185.1, 'high'],
    ],
  ],
] as const) {
  for (const [value, expected] of values) {
    t.test(`${rule}: ${base} lb ${daysBefore} day(s) before, then ${value} lb -> ${expected ?? 'no alert'}`, async (t) => {
      const viaApp = await newPatient(app);
      await postObservation(app, observation(viaApp, '29463-7', base, '[lb_av]', ago(daysBefore * DAY)));
      const answer = await postVitals(app, viaApp, { weightLb: value });
      await expectAlert(t, viaApp, rule, expected, 'app record');
      if (expected) t.equal(answer.alerts.length, 1, 'the answer lists it');
      const viaFhir = await newPatient(app);
      await postObservation(app, observation(viaFhir, '29463-7', base, '[lb_av]', ago(daysBefore * DAY)));
      await postObservation(app, observation(viaFhir, '29463-7', value, '[lb_av]'));
      await expectAlert(t, viaFhir, rule, expected, 'FHIR');
    });
  }
}

t.test('weight: only the first weight of the day counts, and a day without a previous day raises nothing', async (t) => {
  const p = await newPatient(app);
  await postObservation(app, observation(p, '29463-7', 180, '[lb_av]', ago(DAY)));
  await postObservation(app, observation(p, '29463-7', 181, '[lb_av]', ago(60_000)));
  await postObservation(app, observation(p, '29463-7', 184, '[lb_av]'));
  await expectAlert(t, p, 'weight-gain-day', null, 'second weight of the day');
  const q = await newPatient(app);
  await postObservation(app, observation(q, '29463-7', 180, '[lb_av]', ago(3 * DAY)));
  await postObservation(app, observation(q, '29463-7', 184, '[lb_av]'));
  await expectAlert(t, q, 'weight-gain-day', null, 'no weight the previous day');
});

t.test("a transaction Bundle's readings are judged together, whatever their order in the Bundle", async (t) => {
  // A transaction is one unit whose entries' order does not matter (FHIR R4 http.html#trules):
  // today's weight listed before yesterday's is still 4 lb above it.
  for (const order of ['oldest first', 'newest first'] as const) {
    const p = await newPatient(app);
    const readings = [observation(p, '29463-7', 180, '[lb_av]', ago(DAY)), observation(p, '29463-7', 184, '[lb_av]')];
    if (order === 'newest first') readings.reverse();
    const bundle = await app.fhir('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: readings.map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })),
    });
    t.equal(bundle.status, 200, `${order}: stored`);
    await expectAlert(t, p, 'weight-gain-day', 'high', order);
  }
});

t.test('unit conversion: kg weights and Cel temperatures meet the lb and degF rules', async (t) => {
  for (const [kg, expected] of [
    [81.3, null],
    [81.4, 'high'],
  ] as const) {
    const p = await newPatient(app);
    await postObservation(app, observation(p, '29463-7', 80, 'kg', ago(DAY)));
    await postObservation(app, observation(p, '29463-7', kg, 'kg'));
    await expectAlert(t, p, 'weight-gain-day', expected, `80 kg then ${kg} kg`);
  }
  for (const [kg, expected] of [
    [83.0, null],
    [83.1, 'high'],
  ] as const) {
    const p = await newPatient(app);
    await postVitals(app, p, { weightLb: 180, recordedAt: ago(DAY) });
    await postObservation(app, observation(p, '29463-7', kg, 'kg'));
    await expectAlert(t, p, 'weight-gain-day', expected, `180 lb (app) then ${kg} kg (device)`);
  }
  for (const [cel, expected] of [
    [37.9, null],
    [38.0, 'medium'],
    [39.1, 'medium'],
    [39.2, 'high'],
  ] as const) {
    const p = await newPatient(app);
    await postObservation(app, observation(p, '8310-5', cel, 'Cel'));
    await expectAlert(t, p, 'fever', expected, `${cel} Cel`);
  }
});

// PHQ-9 and GAD-7 responses whose totals are the given numbers (item 9 always 0).
const PHQ9: Record<number, number[]> = {
  5: [1, 1, 1, 1, 1, 0, 0, 0, 0],
  9: [2, 1, 1, 1, 1, 1, 1, 1, 0],
  10: [2, 2, 1, 1, 1, 1, 1, 1, 0],
  11: [2, 2, 2, 1, 1, 1, 1, 1, 0],
  14: [3, 3, 3, 3, 2, 0, 0, 0, 0],
  15: [3, 3, 3, 3, 3, 0, 0, 0, 0],
  19: [3, 3, 3, 3, 3, 3, 1, 0, 0],
  20: [3, 3, 3, 3, 3, 3, 1, 1, 0],
};
const GAD7: Record<number, number[]> = {
  3: [1, 1, 1, 0, 0, 0, 0],
  6: [1, 1, 1, 1, 1, 1, 0],
  7: [1, 1, 1, 1, 1, 1, 1],
  8: [2, 1, 1, 1, 1, 1, 1],
  10: [2, 2, 2, 1, 1, 1, 1],
  11: [3, 2, 2, 1, 1, 1, 1],
  14: [3, 3, 3, 2, 1, 1, 1],
  15: [3, 3, 3, 2, 2, 1, 1],
};

const scoreCases: Array<[string, 'PHQ-9' | 'GAD-7', number, number, string | null]> = [
  ['phq9-worsening', 'PHQ-9', 5, 9, null],
  ['phq9-worsening', 'PHQ-9', 5, 10, 'medium'],
  ['phq9-worsening', 'PHQ-9', 5, 11, 'medium'],
  ['phq9-worsening', 'PHQ-9', 14, 19, 'medium'],
  ['phq9-worsening', 'PHQ-9', 15, 20, 'high'],
  ['gad7-worsening', 'GAD-7', 3, 6, null],
  ['gad7-worsening', 'GAD-7', 3, 7, 'medium'],
  ['gad7-worsening', 'GAD-7', 3, 8, 'medium'],
  ['gad7-worsening', 'GAD-7', 10, 14, 'medium'],
  ['gad7-worsening', 'GAD-7', 11, 15, 'high'],
];

async function postAssessment(patientId: string, type: 'PHQ-9' | 'GAD-7', total: number, takenAt: string): Promise<Json> {
  const responses = (type === 'PHQ-9' ? PHQ9 : GAD7)[total];
  const res = await apiClient(app)('POST', `${patientId}/assessments`, { type, responses, takenAt });
  if (res.status !== 201) throw new Error(`assessment: ${res.status} ${res.body}`);
  if (res.json.score !== total) throw new Error(`the ${type} response scored ${res.json.score}, not ${total}`);
  return res.json;
}

for (const [rule, type, before, after, expected] of scoreCases) {
  t.test(`${rule}: ${before} then ${after} -> ${expected ?? 'no alert'}`, async (t) => {
    const viaApp = await newPatient(app);
    await postAssessment(viaApp, type, before, ago(10 * DAY));
    const answer = await postAssessment(viaApp, type, after, ago(60_000));
    await expectAlert(t, viaApp, rule, expected, 'app assessments');
    if (expected) {
      const [flag] = await openAlerts(app, viaApp, rule);
      t.strictSame(answer.alerts, [`Flag/${flag.id}`], 'the assessment answer lists it');
      t.strictSame(
        flag.category.map((c: Json) => c.coding[0].code),
        ['clinical', 'behavioral'],
      );
      const details = flag.extension
        .filter((e: Json) => e.url === 'http://hl7.org/fhir/StructureDefinition/flag-detail')
        .map((e: Json) => e.valueReference.reference);
      t.ok(details.includes(`QuestionnaireResponse/${answer.id}`), 'flag-detail points at the response');
      t.equal(details.filter((d: string) => d.startsWith('Observation/')).length, 2, 'and at both scores');
      const tasks = (await app.fhir('GET', `Task?focus=Flag/${flag.id}`)).json.entry ?? [];
      t.equal(tasks.length, 1, 'a Task to review treatment');
      t.equal(tasks[0].resource.owner.reference.split('/')[0], 'CareTeam');
    }
    const viaFhir = await newPatient(app);
    const code = type === 'PHQ-9' ? '44261-6' : '70274-6';
    await postObservation(app, observation(viaFhir, code, before, '{score}', ago(10 * DAY)));
    await postObservation(app, observation(viaFhir, code, after, '{score}'));
    await expectAlert(t, viaFhir, rule, expected, 'FHIR totals');
  });
}

t.test('worsening compares with a previous score within 90 days only', async (t) => {
  const p = await newPatient(app);
  await postObservation(app, observation(p, '44261-6', 3, '{score}', ago(100 * DAY)));
  await postObservation(app, observation(p, '44261-6', 12, '{score}'));
  await expectAlert(t, p, 'phq9-worsening', null, '100 days apart');
});
