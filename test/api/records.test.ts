// The app-records API, kind by kind: create (201 with the record), list (newest first, from, to,
// limit), read, replace (PUT) and delete, each through HTTP against the same FHIR store.
import t, { type Test } from 'tap';
import { goalId } from '../../src/mappers/care-plan.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { apiClient, createPatients, versionCount, type ApiClient } from './helpers.js';

interface KindCase {
  path: string;
  /** Three records, oldest first; `at` is the record time used for from/to, or undefined when listed by write time. */
  bodies: Array<Record<string, unknown>>;
  timeField?: string;
  replacement: Record<string, unknown>;
}

const at = (day: number) => `2024-05-${String(day).padStart(2, '0')}T08:00:00Z`;

const CASES: KindCase[] = [
  {
    path: 'mood-entries',
    timeField: 'recordedAt',
    bodies: [1, 2, 3].map((d) => ({
      recordedAt: at(d),
      overallMood: d + 4,
      energyLevel: 3,
      sleepHours: 7.5,
      feelings: ['Calm', 'tired'],
      triggers: ['work'],
      notes: `day ${d}`,
    })),
    replacement: { recordedAt: at(1), overallMood: 2, anxietyLevel: 9 },
  },
  {
    path: 'vitals',
    timeField: 'recordedAt',
    bodies: [1, 2, 3].map((d) => ({
      recordedAt: at(d),
      systolicBP: 120 + d,
      diastolicBP: 80,
      heartRate: 60 + d,
      weightLb: 150.5,
      oxygenSaturation: 98,
      temperatureF: 98.6,
      notes: 'morning',
    })),
    replacement: { recordedAt: at(1), heartRate: 75 },
  },
  {
    path: 'medications',
    bodies: ['Sertraline', 'Metformin', 'Lisinopril'].map((name) => ({
      name,
      rxnorm: '197361',
      dosage: '50 mg',
      frequency: 'once daily',
      timeOfDay: 'morning',
      startDate: '2024-01-01',
      prescribedBy: 'Dr. Lee',
      purpose: 'mood',
      instructions: 'with food',
    })),
    replacement: { name: 'Sertraline', dosage: '100 mg', active: false },
  },
  {
    path: 'assessments',
    timeField: 'takenAt',
    bodies: [1, 2, 3].map((d) => ({
      type: d === 2 ? 'GAD-7' : 'PHQ-9',
      responses: d === 2 ? [1, 1, 1, 1, 1, 1, 1] : [1, 1, 1, 1, 1, 1, 1, 1, 0],
      difficulty: 1,
      takenAt: at(d),
    })),
    replacement: { type: 'PHQ-9', responses: [3, 3, 3, 3, 3, 3, 3, 3, 0], takenAt: at(1) },
  },
  {
    path: 'care-plans',
    bodies: ['Sleep', 'Exercise', 'Diet'].map((title) => ({
      title,
      description: `${title} plan`,
      start: '2024-05-01',
      end: '2024-08-01',
      goals: [
        { description: 'first', targetDate: '2024-06-01' },
        { description: 'second', status: 'proposed' },
      ],
      activities: [{ description: 'walk', schedule: 'daily' }],
    })),
    replacement: { title: 'Sleep', status: 'completed', goals: [{ description: 'first', status: 'completed' }] },
  },
];

/** The record without what the server adds, for comparison with what was sent. */
function fields(record: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, fhir: _fhir, score: _score, severity: _severity, medicationId: _m, ...rest } = record;
  return rest;
}

async function exercise(t: Test, app: TestApp, api: ApiClient, base: string, c: KindCase): Promise<void> {
  const created: Array<Record<string, unknown>> = [];
  const writeTimes: Array<[string, string]> = [];
  for (const body of c.bodies) {
    const before = new Date().toISOString();
    const res = await api('POST', `${base}/${c.path}`, body);
    writeTimes.push([before, new Date().toISOString()]);
    t.equal(res.status, 201, `${c.path}: created`);
    t.match(res.headers['content-type'], /^application\/json/);
    t.match(fields(res.json), body, 'the answer carries the fields sent');
    t.equal(res.headers.location, `http://haven.test/api/v1/patients/${base}/${c.path}/${res.json.id}`);
    t.equal(res.json.fhir[0].split('/')[1], res.json.id, 'the id is the main FHIR resource id, listed first in fhir');
    for (const reference of res.json.fhir) t.equal((await app.fhir('GET', reference)).status, 200, `${reference} is stored`);
    created.push(res.json);
  }
  const ids = created.map((r) => r.id);

  let res = await api('GET', `${base}/${c.path}`);
  t.equal(res.status, 200);
  t.same(
    res.json.records.map((r: { id: string }) => r.id),
    [ids[2], ids[1], ids[0]],
    'newest first',
  );
  t.same(res.json.records[2], created[0], 'a listed record is the record as created');
  res = await api('GET', `${base}/${c.path}?limit=2`);
  t.same(
    res.json.records.map((r: { id: string }) => r.id),
    [ids[2], ids[1]],
    'limit',
  );
  const [from, to] = c.timeField ? [c.bodies[1][c.timeField] as string, c.bodies[1][c.timeField] as string] : writeTimes[1];
  res = await api('GET', `${base}/${c.path}?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  t.same(
    res.json.records.map((r: { id: string }) => r.id),
    [ids[1]],
    'from and to, both inclusive',
  );
  res = await api('GET', `${base}/${c.path}?from=${encodeURIComponent(from)}`);
  t.same(
    res.json.records.map((r: { id: string }) => r.id),
    [ids[2], ids[1]],
    'from alone',
  );
  res = await api('GET', `${base}/${c.path}?to=${encodeURIComponent(to)}`);
  t.same(
    res.json.records.map((r: { id: string }) => r.id),
    [ids[1], ids[0]],
    'to alone',
  );
  if (c.timeField) {
    res = await api('GET', `${base}/${c.path}?from=2024-05-02&to=2024-05-02`);
    t.same(
      res.json.records.map((r: { id: string }) => r.id),
      [ids[1]],
      'a date covers its whole day',
    );
  }

  res = await api('GET', `${base}/${c.path}/${ids[0]}`);
  t.equal(res.status, 200);
  t.same(res.json, created[0], 'read');

  res = await api('PUT', `${base}/${c.path}/${ids[0]}`, { ...c.replacement, id: ids[0], fhir: ['ignored'] });
  t.equal(res.status, 200, 'replaced');
  t.match(fields(res.json), c.replacement);
  t.equal(res.json.id, ids[0]);
  const replaced = res.json;
  res = await api('GET', `${base}/${c.path}/${ids[0]}`);
  t.same(res.json, replaced, 'read after replace');
  t.notMatch(res.json, { notes: String }, 'a field left out of the PUT is gone');
  const gone = (created[0].fhir as string[]).filter((r) => !replaced.fhir.includes(r));
  for (const reference of gone) t.equal((await app.fhir('GET', reference)).status, 410, `${reference}, no longer part of the record, is deleted`);
  res = await api('PUT', `${base}/${c.path}/${ids[0]}`, c.replacement);
  t.same(res.json, replaced, 'the same PUT again changes nothing');

  res = await api('DELETE', `${base}/${c.path}/${ids[0]}`);
  t.equal(res.status, 204, 'deleted');
  t.equal(res.body, '');
  t.equal((await api('GET', `${base}/${c.path}/${ids[0]}`)).status, 404, 'a deleted record is not found');
  t.equal((await api('PUT', `${base}/${c.path}/${ids[0]}`, c.replacement)).status, 404, 'nor replaced');
  t.equal((await api('DELETE', `${base}/${c.path}/${ids[0]}`)).status, 404, 'nor deleted again');
  for (const reference of replaced.fhir.filter((r: string) => !r.startsWith('Flag/'))) {
    t.equal((await app.fhir('GET', reference)).status, 410, `${reference} is deleted with the record`);
  }
  res = await api('GET', `${base}/${c.path}`);
  t.same(
    res.json.records.map((r: { id: string }) => r.id),
    [ids[2], ids[1]],
  );
}

t.test('each record kind: create, list, read, replace, delete', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  const api = apiClient(app);
  for (const c of CASES) await t.test(c.path, (t) => exercise(t, app, api, 'p1', c));

  await t.test('medications/{id}/logs', async (t) => {
    const medication = await api('POST', 'p1/medications', { name: 'Sertraline', rxnorm: '312940' });
    const id = medication.json.id;
    await exercise(t, app, api, `p1/medications/${id}`, {
      path: 'logs',
      timeField: 'takenAt',
      bodies: [
        { takenAt: at(1), status: 'taken', dosageTaken: '50 mg', notes: 'with breakfast' },
        { takenAt: at(2), status: 'missed' },
        { takenAt: at(3), status: 'skipped', dosageTaken: 'half a tablet' },
      ],
      replacement: { takenAt: at(1), status: 'taken' },
    });
    const log = await api('POST', `p1/medications/${id}/logs`, { takenAt: at(4) });
    t.equal(log.json.status, 'taken', 'status defaults to taken');
    t.equal(log.json.medicationId, id, 'the log names its medication');
    const administration = await app.fhir('GET', log.json.fhir[0]);
    t.equal(administration.json.request.reference, `MedicationRequest/${id}`);
    t.same(
      administration.json.medicationCodeableConcept,
      { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '312940' }], text: 'Sertraline' },
      'the medication copied from the request',
    );

    const other = await api('POST', 'p1/medications', { name: 'Other' });
    t.equal((await api('GET', `p1/medications/${other.json.id}/logs/${log.json.id}`)).status, 404, 'a log is found only under its own medication');
    t.same((await api('GET', `p1/medications/${other.json.id}/logs`)).json.records, [], 'and listed only there');
    t.equal((await api('POST', 'p1/medications/nothing/logs', { takenAt: at(1) })).status, 404, 'an unknown medication: 404');
    t.equal((await api('GET', 'p1/medications/nothing/logs')).status, 404);
    const mood = await api('POST', 'p1/mood-entries', { recordedAt: at(1), overallMood: 5 });
    t.equal((await api('POST', `p1/medications/${mood.json.id}/logs`, { takenAt: at(1) })).status, 404, 'a record of another kind is no medication');
  });
});

t.test('unknown patients, records of another kind or another patient: 404', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1', 'p2');
  const api = apiClient(app);
  const mood = await api('POST', 'p1/mood-entries', { recordedAt: at(1), overallMood: 5 });
  const vitals = await api('POST', 'p1/vitals', { recordedAt: at(1), heartRate: 70 });
  t.equal((await api('POST', 'nobody/mood-entries', { recordedAt: at(1), overallMood: 5 })).status, 404, 'create for an unknown patient');
  t.equal((await api('GET', 'nobody/mood-entries')).status, 404, 'list of an unknown patient');
  t.equal((await api('GET', `nobody/mood-entries/${mood.json.id}`)).status, 404);
  t.equal((await api('GET', 'bad$id/mood-entries')).status, 404, 'an id that cannot exist');
  for (const [method, body] of [
    ['GET', undefined],
    ['PUT', { recordedAt: at(1), heartRate: 60 }],
    ['DELETE', undefined],
  ] as const) {
    const res = await api(method, `p1/vitals/${mood.json.id}`, body);
    t.equal(res.status, 404, `${method} of a mood entry as vitals`);
    t.equal(res.json.resourceType, 'OperationOutcome');
  }
  t.equal((await api('GET', `p1/mood-entries/${vitals.json.fhir[1].split('/')[1]}`)).status, 404, 'a measurement is no record');
  t.equal((await api('GET', `p2/mood-entries/${mood.json.id}`)).status, 404, "another patient's record under p2");
  t.equal((await api('PUT', `p2/mood-entries/${mood.json.id}`, { recordedAt: at(1), overallMood: 1 })).status, 404);
  t.equal((await api('DELETE', `p2/mood-entries/${mood.json.id}`)).status, 404);
  t.equal((await api('GET', `p1/mood-entries/${mood.json.id}`)).json.overallMood, 5, 'untouched');
  t.equal((await api('GET', 'p1/mood-entries/unknown-id')).status, 404);
  await app.fhir('PUT', 'Observation/plain', {
    resourceType: 'Observation',
    id: 'plain',
    status: 'final',
    code: { text: 'x' },
    subject: { reference: 'Patient/p1' },
  });
  t.equal((await api('GET', 'p1/mood-entries/plain')).status, 404, 'an Observation without the record-kind tag is no app record');
  t.same((await api('GET', 'p2/mood-entries')).json.records, []);
  t.equal((await api('PUT', 'p1/mood-entries', { recordedAt: at(1), overallMood: 1 })).status, 405, 'PUT on a list');
  t.equal((await api('DELETE', 'p1/mood-entries')).status, 405, 'DELETE on a list');
  t.equal((await api('POST', `p1/mood-entries/${mood.json.id}`, { recordedAt: at(1), overallMood: 1 })).status, 405, 'POST on a record');
  t.equal((await api('GET', 'p1/diary')).status, 404, 'an unknown kind');
});

t.test('a record is written all or nothing: a failure at its last resource leaves none of it changed', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1', 'p2');
  const api = apiClient(app);
  const plan = await api('POST', 'p1/care-plans', { title: 'Sleep', goals: [{ description: 'first' }] });
  // The id the plan's second goal will take is held by a Goal of another patient.
  const secondGoal = goalId(plan.json.id, 1);
  t.equal(
    (
      await app.fhir('PUT', `Goal/${secondGoal}`, {
        resourceType: 'Goal',
        id: secondGoal,
        lifecycleStatus: 'active',
        description: { text: 'not yours' },
        subject: { reference: 'Patient/p2' },
      })
    ).status,
    201,
  );
  const before = await versionCount(app);
  const res = await api('PUT', `p1/care-plans/${plan.json.id}`, {
    title: 'Sleep better',
    goals: [{ description: 'first, changed' }, { description: 'second' }],
  });
  t.equal(res.status, 409);
  t.equal(res.json.resourceType, 'OperationOutcome');
  t.equal(await versionCount(app), before, 'neither the CarePlan nor its first Goal was changed');
  t.same((await api('GET', `p1/care-plans/${plan.json.id}`)).json, plan.json);
  t.equal((await app.fhir('GET', `Goal/${secondGoal}`)).json.description.text, 'not yours');
});

t.test('a record with more companions than a search page reads back whole (SEARCH_MAX_COUNT=2)', async (t) => {
  const app = await testApp(t, { SEARCH_MAX_COUNT: '2', SEARCH_DEFAULT_COUNT: '2' });
  await createPatients(app, 'p1');
  const api = apiClient(app);
  const created = await api('POST', 'p1/vitals', {
    recordedAt: at(1),
    systolicBP: 121,
    diastolicBP: 80,
    heartRate: 61,
    weightLb: 150.5,
    oxygenSaturation: 98,
    temperatureF: 98.6,
  });
  t.equal(created.status, 201);
  t.match(
    created.json,
    { systolicBP: 121, diastolicBP: 80, heartRate: 61, weightLb: 150.5, oxygenSaturation: 98, temperatureF: 98.6 },
    'the answer holds every measurement',
  );
  t.same((await api('GET', `p1/vitals/${created.json.id}`)).json, created.json, 'read back with every measurement');
  t.same((await api('GET', 'p1/vitals')).json.records, [created.json], 'listed with every measurement');
});
