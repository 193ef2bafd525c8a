// A patient's own limits, set by the care team with a Goal (clinical-alerts.md §1.4): a range on the
// vital's LOINC code replaces the lowest tier's limits (outside the range raises; the top tier
// stays), 88-92 % on 59408-5 switches spo2-low to its hypercapnic row, an alert-rule measure with
// detailQuantity sets a change rule's allowed gain. Only an active Goal expressed by a clinician
// counts; the newest wins.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { newPatient, observation, openAlerts, postObservation, postVitals, severity, type Json } from './helpers.js';

const app = await testApp(t);
const UCUM = 'http://unitsofmeasure.org';
const DAY = 86_400_000;

function rangeGoal(patientId: string, code: string, low: number, high: number, unit: string, extra: Json = {}): Json {
  return {
    resourceType: 'Goal',
    lifecycleStatus: 'active',
    subject: { reference: `Patient/${patientId}` },
    expressedBy: { reference: 'Practitioner/dr-alerts' },
    description: { text: `Limits ${low}-${high} ${unit}` },
    target: [
      {
        measure: { coding: [{ system: 'http://loinc.org', code }] },
        detailRange: { low: { value: low, system: UCUM, code: unit }, high: { value: high, system: UCUM, code: unit } },
      },
    ],
    ...extra,
  };
}

async function withGoal(goal: (p: string) => Json): Promise<string> {
  const p = await newPatient(app);
  const clinician = await app.token('user/*.cruds', { fhirUser: 'Practitioner/dr-alerts' });
  const res = await app.as(clinician)('POST', 'Goal', goal(p));
  if (res.status !== 201) throw new Error(`Goal: ${res.status} ${res.body}`);
  return p;
}

async function flagOf(p: string, rule: string): Promise<string | null> {
  const [flag] = await openAlerts(app, p, rule);
  return flag ? (severity(flag) as string) : null;
}

t.test('heart rate 45-110 on bisoprolol: the lower tiers move, the top tiers stay', async (t) => {
  const goal = (p: string) => rangeGoal(p, '8867-4', 45, 110, '/min');
  for (const [hr, rule, expected] of [
    [110, 'heart-rate-high', null],
    [111, 'heart-rate-high', 'high'],
    [125, 'heart-rate-high', 'high'],
    [131, 'heart-rate-high', 'critical'],
    [45, 'heart-rate-low', null],
    [47, 'heart-rate-low', null],
    [44, 'heart-rate-low', 'medium'],
    [40, 'heart-rate-low', 'high'],
  ] as const) {
    const p = await withGoal(goal);
    await postVitals(app, p, { heartRate: hr });
    t.equal(await flagOf(p, rule), expected, `HR ${hr}: ${rule} ${expected ?? 'none'}`);
  }
});

t.test('SpO2 88-92 % (hypercapnic target) switches spo2-low to <88 high, ≤83 critical', async (t) => {
  const goal = (p: string) => rangeGoal(p, '59408-5', 88, 92, '%');
  for (const [spo2, expected] of [
    [90, null],
    [88, null],
    [87, 'high'],
    [84, 'high'],
    [83, 'critical'],
  ] as const) {
    const p = await withGoal(goal);
    await postObservation(app, observation(p, '59408-5', spo2, '%'));
    t.equal(await flagOf(p, 'spo2-low'), expected, `SpO2 ${spo2}: ${expected ?? 'none'}`);
  }
});

t.test('a temperature limit in Cel applies to readings in degF', async (t) => {
  const goal = (p: string) => rangeGoal(p, '8310-5', 35, 37.5, 'Cel');
  for (const [f, expected] of [
    [99.5, null],
    [99.6, 'medium'],
    [102.4, 'high'],
  ] as const) {
    const p = await withGoal(goal);
    await postVitals(app, p, { temperatureF: f });
    t.equal(await flagOf(p, 'fever'), expected, `${f} °F with a 37.5 Cel limit: ${expected ?? 'none'}`);
  }
});

t.test('a weight-gain Goal (alert-rule measure, detailQuantity) sets the allowed gain', async (t) => {
  const goal = (p: string): Json => ({
    resourceType: 'Goal',
    lifecycleStatus: 'active',
    subject: { reference: `Patient/${p}` },
    expressedBy: { reference: 'Practitioner/dr-alerts' },
    description: { text: 'Call at 2 lb a day' },
    target: [
      {
        measure: { coding: [{ system: 'https://haven-fhir.org/fhir/CodeSystem/alert-rule', code: 'weight-gain-day' }] },
        detailQuantity: { value: 2, system: UCUM, code: '[lb_av]' },
      },
    ],
  });
  for (const [gain, expected] of [
    [1.9, null],
    [2.0, 'high'],
  ] as const) {
    const p = await withGoal(goal);
    await postObservation(app, observation(p, '29463-7', 180, '[lb_av]', new Date(Date.now() - DAY).toISOString()));
    await postVitals(app, p, { weightLb: 180 + gain });
    t.equal(await flagOf(p, 'weight-gain-day'), expected, `gain ${gain} lb: ${expected ?? 'none'}`);
  }
});

t.test('only an active Goal expressed by a clinician counts; the newest wins', async (t) => {
  const ended = await withGoal((p) => rangeGoal(p, '8867-4', 45, 140, '/min', { lifecycleStatus: 'completed' }));
  await postVitals(app, ended, { heartRate: 125 });
  t.equal(await flagOf(ended, 'heart-rate-high'), 'high', 'a completed Goal is ignored');

  const p = await newPatient(app);
  const clinician = app.as(await app.token('user/*.cruds', { fhirUser: 'Practitioner/dr-alerts' }));
  t.equal((await clinician('POST', 'Goal', rangeGoal(p, '8867-4', 45, 140, '/min'))).status, 201);
  t.equal((await clinician('POST', 'Goal', rangeGoal(p, '8867-4', 45, 100, '/min'))).status, 201);
  await postVitals(app, p, { heartRate: 105 });
  t.equal(await flagOf(p, 'heart-rate-high'), 'high', 'the newer Goal (high 100) wins over the older (140)');
});
