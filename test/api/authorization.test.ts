// The app-records API under SMART: a record is allowed where the FHIR resources it maps to are
// allowed. A patient/ token for A never creates, lists, reads, replaces or deletes B's records (nor
// logs doses against B's medication); a token without the scope a record's resources need gets
// 403; every write leaves audit records in the transaction that made it.
import t from 'tap';
import { actAs, auditRows } from '../helpers/audit.js';
import { testApp } from '../helpers/app.js';
import { apiClient, createPatients, versionCount } from './helpers.js';
import { errorCode } from '../helpers/outcome.js';

const T = '2024-05-01T08:00:00Z';
const BODIES: Record<string, unknown> = {
  'mood-entries': { recordedAt: T, overallMood: 6, notes: 'secret of B' },
  vitals: { recordedAt: T, heartRate: 71, systolicBP: 120, diastolicBP: 80 },
  medications: { name: 'Secret-med-of-B' },
  assessments: { type: 'PHQ-9', responses: [1, 1, 1, 1, 1, 1, 1, 1, 1] },
  'care-plans': { title: 'Secret plan of B', goals: [{ description: 'a goal' }] },
};

t.test('a patient/*.cruds token for A against the records of B', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'a', 'b');
  const system = apiClient(app);
  const ofB: Record<string, string> = {};
  for (const [path, body] of Object.entries(BODIES)) ofB[path] = (await system('POST', `b/${path}`, body)).json.id;
  const logOfB = (await system('POST', `b/medications/${ofB.medications}/logs`, { takenAt: T, notes: 'secret log of B' })).json.id;
  const medicationOfA = (await system('POST', 'a/medications', { name: 'Med of A' })).json.id;

  const asA = apiClient(app, await app.token('patient/*.cruds', { patient: 'a' }));
  const noB = (body: string, what: string) => t.notMatch(body, /[Ss]ecret|"recordedAt"|"heartRate"|"score"/, `${what}: nothing of B`);
  const before = await versionCount(app);
  const cases: Array<[string, string, unknown?]> = [];
  for (const [path, body] of Object.entries(BODIES)) {
    cases.push(
      ['POST', `b/${path}`, body],
      ['GET', `b/${path}`],
      ['GET', `b/${path}/${ofB[path]}`],
      ['PUT', `b/${path}/${ofB[path]}`, body],
      ['DELETE', `b/${path}/${ofB[path]}`],
      // B's record under A's own path
      ['GET', `a/${path}/${ofB[path]}`],
      ['PUT', `a/${path}/${ofB[path]}`, body],
      ['DELETE', `a/${path}/${ofB[path]}`],
    );
  }
  const log = { takenAt: T, notes: 'x' };
  cases.push(
    ['POST', `b/medications/${ofB.medications}/logs`, log],
    ['POST', `a/medications/${ofB.medications}/logs`, log],
    ['GET', `b/medications/${ofB.medications}/logs`],
    ['GET', `a/medications/${ofB.medications}/logs`],
    ['GET', `b/medications/${ofB.medications}/logs/${logOfB}`],
    ['GET', `a/medications/${medicationOfA}/logs/${logOfB}`],
    ['PUT', `b/medications/${ofB.medications}/logs/${logOfB}`, log],
    ['DELETE', `b/medications/${ofB.medications}/logs/${logOfB}`],
    ['DELETE', `a/medications/${medicationOfA}/logs/${logOfB}`],
  );
  for (const [method, path, body] of cases) {
    const res = await asA(method as 'GET', path, body);
    t.ok(res.status === 403 || res.status === 404, `${method} ${path}: ${res.status}`);
    t.equal(res.json.resourceType, 'OperationOutcome');
    noB(res.body, `${method} ${path}`);
  }
  t.equal(await versionCount(app), before, 'nothing was written');
  for (const [path, id] of Object.entries(ofB)) t.equal((await system('GET', `b/${path}/${id}`)).status, 200, `B's ${path} record is still there`);
  t.equal((await system('GET', `b/medications/${ofB.medications}/logs/${logOfB}`)).json.notes, 'secret log of B');

  // A's own records work with the same token.
  for (const [path, body] of Object.entries(BODIES)) {
    const created = await asA('POST', `a/${path}`, body);
    t.equal(created.status, 201, `A creates ${path}`);
    const list = await asA('GET', `a/${path}`);
    t.ok(
      list.json.records.some((r: { id: string }) => r.id === created.json.id),
      `A lists ${path}`,
    );
    t.notOk(list.json.records.some((r: { id: string }) => r.id === ofB[path]));
    t.equal((await asA('PUT', `a/${path}/${created.json.id}`, body)).status, 200);
    t.equal((await asA('DELETE', `a/${path}/${created.json.id}`)).status, 204);
  }
  t.equal((await asA('POST', `a/medications/${medicationOfA}/logs`, log)).status, 201, 'A logs a dose of their own medication');
});

t.test('a token without the scope the record needs: 403', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'a');
  const system = apiClient(app);
  const medication = (await system('POST', 'a/medications', { name: 'M' })).json.id;
  const mood = (await system('POST', 'a/mood-entries', BODIES['mood-entries'])).json.id;
  const as = async (scope: string) => apiClient(app, await app.token(scope, { patient: 'a' }));
  const before = await versionCount(app);

  const readOnly = await as('patient/Observation.rs');
  t.equal((await readOnly('GET', 'a/mood-entries')).status, 200, 'rs lists');
  t.equal((await readOnly('GET', `a/mood-entries/${mood}`)).status, 200, 'rs reads');
  for (const [method, path, body] of [
    ['POST', 'a/mood-entries', BODIES['mood-entries']],
    ['PUT', `a/mood-entries/${mood}`, BODIES['mood-entries']],
    ['DELETE', `a/mood-entries/${mood}`, undefined],
  ] as const) {
    const res = await readOnly(method, path, body);
    t.equal(res.status, 403, `${method} with patient/Observation.rs`);
    t.equal(errorCode(res.json), 'scope-missing');
    // docs/api.md: "the message names the permission missing"; only the text can say which type.
    t.match(res.json.issue[0].diagnostics, /Observation/);
  }
  const createOnly = await as('patient/Observation.c');
  t.equal((await createOnly('GET', 'a/mood-entries')).status, 403, 'no s: no list');
  t.equal((await createOnly('GET', `a/mood-entries/${mood}`)).status, 403, 'no r: no read');
  const noGoals = await as('patient/CarePlan.cruds');
  const res = await noGoals('POST', 'a/care-plans', BODIES['care-plans']);
  t.equal(res.status, 403, 'a care plan needs Goal too');
  t.equal(errorCode(res.json), 'scope-missing');
  t.match(res.json.issue[0].diagnostics, /Goal/);
  t.equal(
    (await (await as('patient/QuestionnaireResponse.cruds'))('POST', 'a/assessments', BODIES.assessments)).status,
    403,
    'an assessment needs Observation too',
  );
  const logsOnly = await as('patient/MedicationAdministration.cruds');
  const log = await logsOnly('POST', `a/medications/${medication}/logs`, { takenAt: T });
  t.equal(log.status, 403, 'logging a dose needs reading the medication');
  t.equal(errorCode(log.json), 'scope-missing');
  t.match(log.json.issue[0].diagnostics, /MedicationRequest/);
  t.equal((await (await as('patient/Patient.r'))('GET', 'a/vitals')).status, 403);
  t.equal(await versionCount(app), before, 'nothing was written');

  // Without Flag scopes, the suicide-risk Flag is raised all the same (as for /fhir), and read back only where allowed.
  const noFlags = await as('patient/QuestionnaireResponse.cruds patient/Observation.cruds');
  const positive = await noFlags('POST', 'a/assessments', { type: 'PHQ-9', responses: [0, 0, 0, 0, 0, 0, 0, 0, 2] });
  t.equal(positive.status, 201);
  const flag = positive.json.fhir.find((r: string) => r.startsWith('Flag/'));
  t.ok(flag, 'the Flag is raised and named in the answer to its write');
  t.equal((await app.fhir('GET', flag)).json.status, 'active');
  t.notOk(
    (await noFlags('GET', `a/assessments/${positive.json.id}`)).json.fhir.some((r: string) => r.startsWith('Flag/')),
    'a later read lists it only with Flag read rights',
  );
  t.ok((await system('GET', `a/assessments/${positive.json.id}`)).json.fhir.includes(flag));
});

t.test('every write through the API leaves audit records', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'a');
  let n = 0;
  const send = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => {
    const requestId = `api-${++n}`;
    const headers = await actAs(app, { clientId: 'mood-app', patient: 'a', requestId }, 'patient/*.cruds');
    const res = await app.app.inject({
      method,
      url: `/api/v1/patients/${path}`,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : undefined, rows: await auditRows(app.db, requestId) };
  };
  const created = await send('POST', 'a/vitals', { recordedAt: T, heartRate: 70, weightLb: 150 });
  t.equal(created.status, 201);
  const writes = (rows: typeof created.rows) => rows.filter((r) => r.action !== 'R' && r.action !== 'E');
  t.same(
    writes(created.rows)
      .map((r) => `${r.action} ${r.entity_type}/${r.entity_id}`)
      .sort(),
    created.json.fhir.map((r: string) => `C ${r}`).sort(),
    'a create row for each resource of the record',
  );
  t.ok(
    created.rows.every((r) => r.client_id === 'mood-app' && r.launch_patient === 'a'),
    'with the actor of the request',
  );
  const id = created.json.id;
  const replaced = await send('PUT', `a/vitals/${id}`, { recordedAt: T, heartRate: 72 });
  t.equal(replaced.status, 200);
  const weight = created.json.fhir.find((r: string) => !replaced.json.fhir.includes(r));
  t.same(
    writes(replaced.rows)
      .map((r) => `${r.action} ${r.entity_type}/${r.entity_id}`)
      .sort(),
    [`D ${weight}`, ...replaced.json.fhir.map((r: string) => `U ${r}`)].sort(),
    'an update row for each changed resource, a delete row for the one removed',
  );
  const read = await send('GET', `a/vitals/${id}`);
  t.ok(
    read.rows.some((r) => r.entity_id === id && (r.action === 'R' || r.action === 'E')),
    'a read leaves its record too',
  );
  const listed = await send('GET', 'a/vitals');
  t.ok(listed.rows.length > 0, 'so does a list');
  const deleted = await send('DELETE', `a/vitals/${id}`);
  t.equal(deleted.status, 204);
  t.same(
    writes(deleted.rows)
      .map((r) => `${r.action} ${r.entity_type}/${r.entity_id}`)
      .sort(),
    replaced.json.fhir.map((r: string) => `D ${r}`).sort(),
    'a delete row for each resource',
  );
  const assessment = await send('POST', 'a/assessments', { type: 'GAD-7', responses: [1, 1, 1, 1, 1, 1, 1] });
  t.equal(writes(assessment.rows).length, assessment.json.fhir.length, 'an assessment: the response and every derived resource');
  const refused = await send('POST', 'b/vitals', { recordedAt: T, heartRate: 70 });
  t.equal(refused.status, 404);
  t.equal(writes(refused.rows).filter((r) => r.action === 'C').length, 0, 'a refused write changes nothing');
});
