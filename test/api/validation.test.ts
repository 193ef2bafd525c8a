// Bad input to the app-records API: a field out of range, a wrong type, a missing required field, an
// unknown field, bad JSON, a bad list query. Each answers 400 with an OperationOutcome naming the
// field, and nothing is stored (the store holds exactly as many versions as before).
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { apiClient, createPatients, versionCount } from './helpers.js';

const T = '2024-05-01T08:00:00Z';

/** [path, body, the field the answer must name, what is wrong] */
const BAD: Array<[string, unknown, string, string]> = [
  ['mood-entries', { recordedAt: T, overallMood: 11 }, 'overallMood', 'out of range'],
  ['mood-entries', { recordedAt: T, overallMood: 0 }, 'overallMood', 'out of range'],
  ['mood-entries', { recordedAt: T, overallMood: '5' }, 'overallMood', 'wrong type'],
  ['mood-entries', { recordedAt: T, overallMood: 5.5 }, 'overallMood', 'not a whole number'],
  ['mood-entries', { overallMood: 5 }, 'recordedAt', 'missing required'],
  ['mood-entries', { recordedAt: '2024-05-01', overallMood: 5 }, 'recordedAt', 'a date where a time is needed'],
  ['mood-entries', { recordedAt: T, overallMood: 5, sleepHours: 25 }, 'sleepHours', 'out of range'],
  ['mood-entries', { recordedAt: T, overallMood: 5, feelings: 'happy' }, 'feelings', 'wrong type'],
  ['mood-entries', { recordedAt: T, overallMood: 5, feelings: [1] }, 'feelings[0]', 'wrong item type'],
  ['mood-entries', { recordedAt: T, overallMood: 5, mood: 3 }, 'mood', 'unknown field'],
  ['vitals', { recordedAt: T }, 'heartRate', 'no measurement'],
  ['vitals', { recordedAt: T, systolicBP: 120 }, 'diastolicBP', 'blood pressure needs both'],
  ['vitals', { recordedAt: T, heartRate: 500 }, 'heartRate', 'out of range'],
  ['vitals', { recordedAt: T, oxygenSaturation: 101 }, 'oxygenSaturation', 'out of range'],
  ['vitals', { recordedAt: T, temperatureF: 'hot' }, 'temperatureF', 'wrong type'],
  ['vitals', { recordedAt: T, weightKg: 70 }, 'weightKg', 'unknown field'],
  ['medications', { dosage: '10 mg' }, 'name', 'missing required'],
  ['medications', { name: 'X', active: 'yes' }, 'active', 'wrong type'],
  ['medications', { name: 'X', startDate: '2024-05-01', endDate: '2024-04-01' }, 'endDate', 'ends before it starts'],
  ['medications', { name: 'X', rxnorm: 'abc' }, 'rxnorm', 'not an RxNorm code'],
  ['medications', { name: '   ' }, 'name', 'blank'],
  ['assessments', { type: 'PHQ-9', responses: [1, 1, 1, 1, 1, 1, 1] }, 'responses', 'too few answers'],
  ['assessments', { type: 'PHQ-9', responses: [1, 1, 1, 1, 1, 1, 1, 1, 4] }, 'responses[8]', 'out of range'],
  ['assessments', { type: 'PHQ-2', responses: [1, 1] }, 'type', 'unknown instrument'],
  ['assessments', { responses: [1, 1, 1, 1, 1, 1, 1] }, 'type', 'missing required'],
  ['assessments', { type: 'GAD-7', responses: [1, 1, 1, 1, 1, 1, 1], difficulty: 4 }, 'difficulty', 'out of range'],
  ['care-plans', { description: 'no title' }, 'title', 'missing required'],
  ['care-plans', { title: 'P', status: 'happy' }, 'status', 'not a status'],
  ['care-plans', { title: 'P', goals: [{ targetDate: '2024-05-01' }] }, 'goals[0].description', 'goal without description'],
  ['care-plans', { title: 'P', activities: [{ description: 'a', when: 'daily' }] }, 'activities[0].when', 'unknown field'],
  ['care-plans', { title: 'P', start: '2024-05-01', end: '2024-04-01' }, 'end', 'ends before it starts'],
];

t.test('bad record input: 400 naming the field, nothing stored', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  const api = apiClient(app);
  const medication = await api('POST', 'p1/medications', { name: 'Sertraline' });
  const logs = `medications/${medication.json.id}/logs`;
  const cases: typeof BAD = [
    ...BAD,
    [logs, { status: 'taken' }, 'takenAt', 'missing required'],
    [logs, { takenAt: T, status: 'forgotten' }, 'status', 'not a status'],
    [logs, { takenAt: T, dose: '1' }, 'dose', 'unknown field'],
  ];
  const before = await versionCount(app);
  for (const [path, body, field, what] of cases) {
    const res = await api('POST', `p1/${path}`, body);
    t.equal(res.status, 400, `${path}: ${what}`);
    t.equal(res.json?.resourceType, 'OperationOutcome');
    const named = res.json.issue.some((i: { expression?: string[]; diagnostics: string }) => i.expression?.includes(field) && i.diagnostics.includes(field));
    t.ok(named, `${path}: the answer names ${field}`, { body: res.body });
  }
  t.equal(await versionCount(app), before, 'nothing was stored');
  for (const path of ['mood-entries', 'vitals', 'assessments', 'care-plans', logs]) {
    t.same((await api('GET', `p1/${path}`)).json.records, [], `no ${path}`);
  }
});

t.test('bodies that are no record: bad JSON, not an object, none at all', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  const api = apiClient(app);
  const before = await versionCount(app);
  for (const [body, what] of [
    ['{"recordedAt": ', 'bad JSON'],
    ['[1, 2]', 'an array'],
    ['"text"', 'a string'],
    ['null', 'null'],
  ] as const) {
    const res = await api('POST', 'p1/mood-entries', body);
    t.equal(res.status, 400, what);
    t.equal(res.json.resourceType, 'OperationOutcome', what);
  }
  const none = await app.app.inject({ method: 'POST', url: '/api/v1/patients/p1/mood-entries', headers: { authorization: app.authorization } });
  t.equal(none.statusCode, 400, 'no body');
  t.equal(JSON.parse(none.body).resourceType, 'OperationOutcome');
  t.equal(await versionCount(app), before, 'nothing was stored');
});

t.test('a bad replacement leaves the record as it was', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  const api = apiClient(app);
  const plan = await api('POST', 'p1/care-plans', { title: 'Sleep', goals: [{ description: 'bed by 11' }] });
  const before = await versionCount(app);
  const res = await api('PUT', `p1/care-plans/${plan.json.id}`, { title: 'Sleep', goals: [{ description: 'bed by 11', status: 'someday' }] });
  t.equal(res.status, 400);
  t.same(res.json.issue[0].expression, ['goals[0].status']);
  t.equal(await versionCount(app), before, 'nothing was stored');
  t.same((await api('GET', `p1/care-plans/${plan.json.id}`)).json, plan.json);
});

t.test('bad list queries: 400 naming the parameter', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  const api = apiClient(app);
  const cases: Array<[string, string]> = [
    ['from=yesterday', 'from'],
    ['from=2024-02-30', 'from'],
    ['to=2024-05-01T08:00:00', 'to'],
    ['to=2024-13-01', 'to'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['from=2024-05-02&to=2024-05-01', 'from'],
    ['sort=asc', 'sort'],
  ];
  for (const [query, name] of cases) {
    const res = await api('GET', `p1/mood-entries?${query}`);
    t.equal(res.status, 400, query);
    t.ok(res.json.issue[0].expression.includes(name), `${query} names ${name}`);
  }
  const ok = await api('GET', 'p1/mood-entries?limit=200&from=2024-05-01&to=2024-05-01T23:00:00%2B02:00');
  t.equal(ok.status, 200, 'the largest limit, a date and a time with an offset');
  t.equal(ok.json.limit, 200);
  t.equal((await api('GET', 'p1/mood-entries')).json.limit, 50, 'the default limit');
});
