// GET /api/v1/patients/{id}/summary through HTTP, on data written through POST/PUT /fhir exactly as
// the mappers build app records: the numbers, the patient compartment of patient/ tokens (nothing
// of B in A's summary, B's summary refused to A), bad `days`, unknown patients, and the audit trail.
// Times are relative to the real clock (the route computes "now" itself): whole UTC days before today.
import type { MedicationRequest, Resource } from '@medplum/fhirtypes';
import t from 'tap';
import { assessmentResponse, validateAssessment } from '../../src/mappers/assessment.js';
import { medicationToFhir, type Medication } from '../../src/mappers/medication.js';
import { medicationLogToFhir, type MedicationLog } from '../../src/mappers/medication-log.js';
import { moodEntryToFhir, type MoodEntry } from '../../src/mappers/mood-entry.js';
import { vitalsToFhir, type Vitals } from '../../src/mappers/vitals.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { auditRows } from '../helpers/audit.js';

const now = new Date();
/** The UTC day `back` days before today, as YYYY-MM-DD. */
const day = (back: number) => new Date(Date.parse(now.toISOString().slice(0, 10)) - back * 86_400_000).toISOString().slice(0, 10);
const at = (back: number, hour: number) => `${day(back)}T${String(hour).padStart(2, '0')}:00:00Z`;

async function put(app: TestApp, resources: Resource[]): Promise<void> {
  // Members before the panel that references them, as a client writing them one by one would.
  for (const resource of [...resources].reverse()) {
    const res = await app.fhir('PUT', `${resource.resourceType}/${resource.id}`, resource);
    if (res.status !== 201) throw new Error(`${resource.resourceType}/${resource.id}: ${res.status} ${res.body}`);
  }
}

interface Loaded {
  sertraline: MedicationRequest;
  phqBefore: string;
  phqLatest: string;
  bGad: string;
  bPhq: string;
}

/** Patients A and B with records on the same days, written through /fhir as the mappers build them. */
async function load(app: TestApp): Promise<Loaded> {
  let n = 0;
  const nextId = (patientId: string) => `${patientId}-${++n}`;
  const mood = (patientId: string, entry: MoodEntry) => put(app, moodEntryToFhir(entry, { patientId, id: nextId(patientId) }));
  const vitals = (patientId: string, record: Vitals) => put(app, vitalsToFhir(record, { patientId, id: nextId(patientId) }));
  async function medication(patientId: string, record: Medication): Promise<MedicationRequest> {
    const [request] = medicationToFhir(record, { patientId, id: nextId(patientId), now });
    await put(app, [request]);
    return request;
  }
  const dose = (patientId: string, medication: MedicationRequest, log: MedicationLog) =>
    put(app, medicationLogToFhir(log, { patientId, id: nextId(patientId), medication }));
  async function assessment(patientId: string, type: 'PHQ-9' | 'GAD-7', responses: number[], takenAt: string): Promise<string> {
    const id = nextId(patientId);
    // The response only: Haven derives the score Observations and any Flag when it is written.
    await put(app, [assessmentResponse(validateAssessment({ type, responses, takenAt }, now), { patientId, id })]);
    return id;
  }

  await put(app, [
    { resourceType: 'Patient', id: 'a', name: [{ family: 'Alvarez' }] },
    { resourceType: 'Patient', id: 'b', name: [{ family: 'Brook' }] },
  ]);
  // Patient A.
  await mood('a', { recordedAt: at(1, 8), overallMood: 6 });
  await mood('a', { recordedAt: at(1, 20), overallMood: 8, notes: 'good evening' }); // day 1: 7
  await mood('a', { recordedAt: at(2, 12), overallMood: 4 }); // day 2: 4
  await mood('a', { recordedAt: at(9, 12), overallMood: 2 }); // before a 7-day window, inside its averages
  await vitals('a', { recordedAt: at(3, 9), systolicBP: 120, diastolicBP: 80, heartRate: 70 });
  await vitals('a', { recordedAt: at(1, 9), heartRate: 65, weightLb: 170 });
  await vitals('a', { recordedAt: at(5, 9), oxygenSaturation: 96, temperatureF: 98.6 });
  await vitals('a', { recordedAt: at(6, 9), heartRate: 88, temperatureF: 99.1 }); // older than day 5's
  const sertraline = await medication('a', { name: 'Sertraline', frequency: 'twice daily', startDate: day(2), active: true });
  await dose('a', sertraline, { takenAt: at(2, 8), status: 'taken' });
  await dose('a', sertraline, { takenAt: at(2, 20), status: 'taken' });
  await dose('a', sertraline, { takenAt: at(1, 8), status: 'taken' });
  await dose('a', sertraline, { takenAt: at(1, 20), status: 'missed' });
  const phqBefore = await assessment('a', 'PHQ-9', [2, 2, 2, 2, 2, 0, 0, 0, 0], at(20, 10)); // 10, before the window
  const phqLatest = await assessment('a', 'PHQ-9', [1, 1, 1, 1, 1, 1, 1, 0, 1], at(1, 10)); // 8, item 9 raises a Flag
  // A GAD-7 that a forms app posted through /fhir without Haven's record-kind tag: an assessment all the same.
  const formsGad = assessmentResponse(validateAssessment({ type: 'GAD-7', responses: [1, 1, 1, 1, 1, 1, 1], takenAt: at(3, 10) }, now), {
    patientId: 'a',
    id: 'a-forms-gad',
  });
  delete formsGad.meta;
  await put(app, [formsGad]);
  // Not app records of A, or not in their shape: never in the summary, never a failure.
  const kind = (code: string) => ({ tag: [{ system: 'https://haven-fhir.org/fhir/CodeSystem/record-kind', code }] });
  await put(app, [
    {
      resourceType: 'Observation',
      id: 'a-odd-mood',
      meta: kind('mood-entry'),
      status: 'final',
      code: { text: 'Mood' },
      subject: { reference: 'Patient/a' },
      effectiveDateTime: at(1, 7),
      valueQuantity: { value: 1 },
    },
    {
      resourceType: 'Observation',
      id: 'a-device-hr',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: 'Patient/a' },
      effectiveDateTime: at(1, 23),
      valueQuantity: { value: 150, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    },
    {
      resourceType: 'QuestionnaireResponse',
      id: 'a-odd-form',
      meta: kind('assessment'),
      questionnaire: 'http://example.org/Questionnaire/other',
      status: 'completed',
      subject: { reference: 'Patient/a' },
      authored: at(1, 12),
    },
  ]);
  // Patient B, on the same days: none of it may show in A's summary.
  await mood('b', { recordedAt: at(1, 9), overallMood: 1 });
  await mood('b', { recordedAt: at(2, 9), overallMood: 1 });
  await vitals('b', { recordedAt: at(1, 10), heartRate: 131, temperatureF: 101 });
  const bMedication = await medication('b', { name: 'Lithium', frequency: 'daily', active: true });
  await dose('b', bMedication, { takenAt: at(1, 8), status: 'taken' });
  // B's dose claiming A's medication: in B's compartment, so never counted for A.
  await dose('b', sertraline, { takenAt: at(1, 9), status: 'taken' });
  const bGad = await assessment('b', 'GAD-7', [3, 3, 3, 3, 3, 3, 3], at(1, 11));
  const bPhq = await assessment('b', 'PHQ-9', [0, 0, 0, 0, 0, 0, 0, 0, 3], at(2, 11));
  return { sertraline, phqBefore, phqLatest, bGad, bPhq };
}

const app = await testApp(t);
const { sertraline, phqBefore, phqLatest, bGad, bPhq } = await load(app);
let n = 0;

const summaryOf = (target: TestApp, client: { authorization?: string }, patientId: string, query = '') =>
  target.app.inject({
    method: 'GET',
    url: `/api/v1/patients/${patientId}/summary${query}`,
    headers: client.authorization ? { authorization: client.authorization, 'x-request-id': `summary-${++n}` } : {},
  });
const summary = (client: { authorization?: string }, patientId: string, query = '') => summaryOf(app, client, patientId, query);
const bearer = async (scope: string, patient?: string) => ({ authorization: `Bearer ${await app.token(scope, patient ? { patient } : {})}` });
const nothingOfB = /"(b-\d+)"|Patient\/b\b|Lithium|"value":(131|101)\b/;

t.test("A's summary: the numbers, from A's records only", async (t) => {
  for (const [name, client] of [
    ['system token', { authorization: app.authorization }],
    ['patient/*.rs token for A', await bearer('patient/*.rs', 'a')],
  ] as const) {
    const res = await summary(client, 'a', '?days=7');
    t.equal(res.statusCode, 200, name);
    t.match(res.headers['content-type'], /^application\/json/);
    t.notMatch(res.body, nothingOfB, `${name}: nothing of B`);
    const body = res.json();
    t.match(body, { patientId: 'a', days: 7, from: `${day(6)}T00:00:00.000Z`, timeZone: 'UTC' });
    t.ok(Math.abs(Date.parse(body.to) - Date.now()) < 60_000, 'to is now');
    t.equal(body.moodTrend.days.length, 7);
    const moodDay = (back: number) => body.moodTrend.days.find((d: { date: string }) => d.date === day(back));
    t.strictSame(moodDay(1), { date: day(1), entries: 2, mean: 7, movingAverage7: 5.5 }, 'day 1: (6+8)/2; average of 4 and 7');
    t.strictSame(moodDay(2), { date: day(2), entries: 1, mean: 4, movingAverage7: 4 });
    // Day 6 (the window's first) averages back to day 12, which holds day 9's entry.
    t.strictSame(moodDay(6), { date: day(6), entries: 0, mean: null, movingAverage7: 2 });
    t.strictSame(moodDay(0), { date: day(0), entries: 0, mean: null, movingAverage7: 5.5 });
    t.match(body.moodTrend, { entries: 3, mean: 6 }, '(6 + 8 + 4) / 3');

    t.strictSame(body.latestVitals, {
      systolicBP: { value: 120, recordedAt: at(3, 9), vitalsId: body.latestVitals.systolicBP.vitalsId },
      diastolicBP: { value: 80, recordedAt: at(3, 9), vitalsId: body.latestVitals.systolicBP.vitalsId },
      heartRate: { value: 65, recordedAt: at(1, 9), vitalsId: body.latestVitals.heartRate.vitalsId },
      weightLb: { value: 170, recordedAt: at(1, 9), vitalsId: body.latestVitals.heartRate.vitalsId },
      oxygenSaturation: { value: 96, recordedAt: at(5, 9), vitalsId: body.latestVitals.temperatureF.vitalsId },
      temperatureF: { value: 98.6, recordedAt: at(5, 9), vitalsId: body.latestVitals.oxygenSaturation.vitalsId },
    });
    // Active days 2, 1 and today: 3 x 2 = 6 expected; 3 taken (B's dose on A's medication not among them).
    t.strictSame(body.medicationAdherence, [
      {
        medicationId: sertraline.id,
        name: 'Sertraline',
        frequency: 'twice daily',
        dosesPerDay: 2,
        activeFrom: day(2),
        activeTo: day(0),
        activeDays: 3,
        expected: 6,
        taken: 3,
        takenCounted: 3,
        missed: 1,
        skipped: 0,
        adherence: 0.5,
      },
    ]);
    t.strictSame(body.assessments, {
      phq9: {
        assessmentId: phqLatest,
        score: 8,
        severity: 'mild',
        takenAt: at(1, 10),
        previous: { assessmentId: phqBefore, score: 10, severity: 'moderate', takenAt: at(20, 10) },
        change: -2,
      },
      gad7: { assessmentId: 'a-forms-gad', score: 7, severity: 'mild', takenAt: at(3, 10), previous: null, change: null },
    });
    // Since clinical alerts: the device's heart rate of 150 raises heart-rate-high (critical) too.
    t.strictSame(
      body.riskFlags.filter((f: { rule?: string }) => f.rule).map((f: { rule: string; severity: string }) => `${f.rule}:${f.severity}`),
      ['heart-rate-high:critical'],
      "A's device heart rate alert",
    );
    const risk = body.riskFlags.filter((f: { rule?: string }) => !f.rule);
    t.equal(risk.length, 1, "A's suicide-risk Flag only");
    t.match(risk[0], {
      text: 'Positive PHQ-9 item 9: suicide-risk follow-up needed',
      code: [{ system: 'http://snomed.info/sct', code: '225444004' }],
      category: ['safety'],
      details: [`QuestionnaireResponse/${phqLatest}`],
    });
  }
});

t.test('days: 30 by default; 1 to 3650; anything else a 400 OperationOutcome naming days', async (t) => {
  const res = await summary({ authorization: app.authorization }, 'a');
  t.equal(res.statusCode, 200);
  t.match(res.json(), { days: 30, from: `${day(29)}T00:00:00.000Z` });
  t.equal(res.json().moodTrend.days.length, 30);
  t.match(res.json().moodTrend, { entries: 4, mean: 5 }, 'day 9 is in a 30-day window: (6+8+4+2)/4');
  t.equal((await summary({ authorization: app.authorization }, 'a', '?days=365')).statusCode, 200);
  for (const bad of ['0', '3651', '10000', 'abc', '7.5', '-3', '7&days=8']) {
    const res = await summary({ authorization: app.authorization }, 'a', `?days=${bad}`);
    t.equal(res.statusCode, 400, `days=${bad}`);
    t.match(res.json(), { resourceType: 'OperationOutcome', issue: [{ severity: 'error', expression: ['days'] }] });
  }
});

t.test('unknown patients: 404', async (t) => {
  for (const id of ['nobody', 'not_an_id!']) {
    const res = await summary({ authorization: app.authorization }, id);
    t.equal(res.statusCode, 404, id);
    t.match(res.json(), { resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  }
});

t.test("a patient/ token for A never gets B's summary", async (t) => {
  for (const scope of ['patient/*.rs', 'patient/*.read', 'patient/*.cruds']) {
    const res = await summary(await bearer(scope, 'a'), 'b');
    t.ok([403, 404].includes(res.statusCode), `${scope}: ${res.statusCode}`);
    t.equal(res.json().resourceType, 'OperationOutcome');
    t.notMatch(res.body, /Brook|Lithium|b-\d+/, 'nothing of B');
  }
  const b = await summary(await bearer('patient/*.rs', 'b'), 'b', '?days=7');
  t.equal(b.statusCode, 200, "B's own token gets B's summary");
  t.match(b.json(), { patientId: 'b', assessments: { gad7: { assessmentId: bGad, score: 21, severity: 'severe' }, phq9: { assessmentId: bPhq, score: 3 } } });
  t.match(b.json().medicationAdherence, [{ name: 'Lithium', taken: 1 }]);
  t.notMatch(b.body, /Sertraline|"a-\d+"/, 'nothing of A in B');
});

t.test('tokens: none is 401; a token that may not search every type the summary reads is 403', async (t) => {
  t.equal((await summary({}, 'a')).statusCode, 401);
  const res = await summary(await bearer('patient/Observation.rs patient/Patient.rs', 'a'), 'a');
  t.equal(res.statusCode, 403);
  t.match(res.json(), { resourceType: 'OperationOutcome' });
});

t.test('the reads are audited like any search, in the patient compartment', async (t) => {
  const client = await bearer('patient/*.rs', 'a');
  const res = await app.app.inject({ method: 'GET', url: '/api/v1/patients/a/summary?days=7', headers: { ...client, 'x-request-id': 'summary-audit' } });
  t.equal(res.statusCode, 200);
  const rows = await auditRows(app.db, 'summary-audit');
  t.ok(
    rows.every((r) => r.action === 'E' && r.interaction === 'search-type' && r.launch_patient === 'a'),
    'searches by the patient',
  );
  const queries = rows.map((r) => r.query ?? '');
  t.ok(
    queries.some((q) => q.startsWith('Patient?_id=a')),
    'the patient',
  );
  for (const type of ['Observation', 'MedicationRequest', 'MedicationAdministration', 'QuestionnaireResponse', 'Flag']) {
    t.ok(
      queries.some((q) => q.startsWith(`Patient/a/${type}?`)),
      `${type} in A's compartment`,
    );
  }
  const refs = rows.flatMap((r) => r.entity_refs);
  t.ok(refs.includes(`QuestionnaireResponse/${phqLatest}`), 'what was read is recorded');
  t.notOk(
    refs.some((r) => /\/b-\d+$|^Patient\/b$/.test(r)),
    'nothing of B was read',
  );
});

t.test('the same summary when every search needs many pages (SEARCH_MAX_COUNT=2)', async (t) => {
  const paged = await testApp(t, { SEARCH_MAX_COUNT: '2', SEARCH_DEFAULT_COUNT: '2' });
  await load(paged);
  for (const days of ['7', '30']) {
    const [one, many] = await Promise.all([
      summary({ authorization: app.authorization }, 'a', `?days=${days}`),
      summaryOf(paged, { authorization: paged.authorization }, 'a', `?days=${days}`),
    ]);
    t.equal(many.statusCode, 200);
    // The two apps raised their own alert Flags (random ids): compare them by rule, not by id.
    const comparable = (body: { to?: string; riskFlags: Array<{ since?: string; rule?: string; flagId?: string }> }) => ({
      ...body,
      to: undefined,
      riskFlags: body.riskFlags.map((f) => ({ ...f, since: undefined, flagId: f.rule ? undefined : f.flagId })),
    });
    t.strictSame(comparable(many.json()), comparable(one.json()), `days=${days}`);
  }
});
