// The scheduled rules (missed-dose, adherence-low, assessment-due) with the time passed in, so no
// test waits for real time; a repeated run raises nothing new; two Haven instances running the job
// at once on one database raise each alert once. Thresholds: ../shared/reference/clinical-alerts.md
// §2 and §3, as literal values.
import t from 'tap';
import { runScheduledAlerts } from '../../src/alerts/scheduled/run.js';
import { createServices } from '../../src/runtime.js';
import { openDatabase } from '../../src/store/open-database.js';
import { sharedValidator, testApp } from '../helpers/app.js';
import { apiClient } from '../api/helpers.js';
import { newPatient, observation, openAlerts, postObservation, severity, type Json } from './helpers.js';

const app = await testApp(t);
const { fhir, services } = app;
const api = apiClient(app);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = new Date('2025-03-31T12:00:00Z');
const before = (ms: number, from = NOW) => new Date(from.getTime() - ms).toISOString();

async function run(now: Date, options: { rule?: string; dryRun?: boolean } = {}) {
  return runScheduledAlerts(services, { now, ...options });
}

async function medicationRequest(patientId: string, atc: string, name: string, authoredOn: string): Promise<string> {
  const res = await fhir('POST', 'MedicationRequest', {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: atc }], text: name },
    authoredOn,
    dosageInstruction: [{ text: 'twice daily', timing: { code: { text: 'twice daily' } } }],
  });
  if (res.status !== 201) throw new Error(`MedicationRequest: ${res.status} ${res.body}`);
  return res.json.id;
}

async function administration(patientId: string, requestId: string, at: string, state: 'taken' | 'missed' | 'skipped'): Promise<void> {
  const res = await fhir('POST', 'MedicationAdministration', {
    resourceType: 'MedicationAdministration',
    status: state === 'taken' ? 'completed' : 'not-done',
    ...(state === 'taken' ? {} : { statusReason: [{ text: state }] }),
    medicationCodeableConcept: { text: 'dose' },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: at,
    request: { reference: `MedicationRequest/${requestId}` },
  });
  if (res.status !== 201) throw new Error(`MedicationAdministration: ${res.status} ${res.body}`);
}

const mine = (report: Awaited<ReturnType<typeof run>>, patientId: string, rule: string) =>
  report.alerts.filter((a) => a.patientId === patientId && a.rule === rule);

t.test('missed-dose: an anticoagulant (ATC B01AF) missed dose in the last 48 h is high; skipped or older ones are not', async (t) => {
  const missed = await newPatient(app);
  const r1 = await medicationRequest(missed, 'B01AF', 'Anticoagulant', before(10 * DAY));
  await administration(missed, r1, before(3 * HOUR), 'missed');
  const skipped = await newPatient(app);
  const r2 = await medicationRequest(skipped, 'B01AF', 'Anticoagulant', before(10 * DAY));
  await administration(skipped, r2, before(3 * HOUR), 'skipped');
  const old = await newPatient(app);
  const r3 = await medicationRequest(old, 'B01AA', 'VKA', before(10 * DAY));
  await administration(old, r3, before(49 * HOUR), 'missed');
  await administration(old, r3, before(30 * HOUR), 'taken');
  const report = await run(NOW, { rule: 'missed-dose' });
  t.equal(mine(report, missed, 'missed-dose')[0]?.action, 'raised');
  const [flag] = await openAlerts(app, missed, 'missed-dose');
  t.equal(severity(flag), 'high');
  t.strictSame(
    flag.category.map((c: Json) => c.coding[0].code),
    ['clinical', 'drug'],
  );
  t.match(flag.code.coding[1], { system: 'http://snomed.info/sct', code: '129834002' });
  t.equal((await openAlerts(app, skipped, 'missed-dose')).length, 0, 'a skipped dose is not a miss');
  t.equal((await openAlerts(app, old, 'missed-dose')).length, 0, 'a miss older than 48 h is not looked at');
});

t.test('missed-dose: beta-blockers (C07) 2 consecutive misses medium, 48 h without a dose high', async (t) => {
  const two = await newPatient(app);
  const r1 = await medicationRequest(two, 'C07', 'Beta-blocker', before(10 * DAY));
  await administration(two, r1, before(30 * HOUR), 'taken');
  await administration(two, r1, before(18 * HOUR), 'missed');
  await administration(two, r1, before(6 * HOUR), 'missed');
  const one = await newPatient(app);
  const r2 = await medicationRequest(one, 'C07', 'Beta-blocker', before(10 * DAY));
  await administration(one, r2, before(18 * HOUR), 'taken');
  await administration(one, r2, before(6 * HOUR), 'missed');
  const none = await newPatient(app);
  const r3 = await medicationRequest(none, 'C07', 'Beta-blocker', before(10 * DAY));
  await administration(none, r3, before(49 * HOUR), 'taken');
  await run(NOW, { rule: 'missed-dose' });
  t.equal(severity((await openAlerts(app, two, 'missed-dose'))[0]), 'medium');
  t.equal((await openAlerts(app, one, 'missed-dose')).length, 0, 'one miss');
  t.equal(severity((await openAlerts(app, none, 'missed-dose'))[0]), 'high', '49 h since the last dose taken');
});

t.test('adherence-low: <80 % of expected doses over 30 days is medium; 80 % is not', async (t) => {
  for (const [taken, expected] of [
    [24, null],
    [23, 'medium'],
  ] as const) {
    const p = await newPatient(app);
    const created = await api('POST', `${p}/medications`, { name: 'Metoprolol', frequency: 'once daily', startDate: '2025-01-01', active: true });
    t.equal(created.status, 201, created.body);
    // 30 days in the window (March 2 .. March 31); one dose a day taken on the first `taken` days
    for (let day = 0; day < taken; day++) {
      const res = await api('POST', `${p}/medications/${created.json.id}/logs`, {
        takenAt: new Date(Date.UTC(2025, 2, 2 + day, 8)).toISOString(),
        status: 'taken',
      });
      if (res.status !== 201) throw new Error(`log: ${res.status} ${res.body}`);
    }
    await run(NOW, { rule: 'adherence-low' });
    const flags = await openAlerts(app, p, 'adherence-low');
    if (expected === null) t.equal(flags.length, 0, `${taken}/30 taken: no alert`);
    else {
      t.equal(severity(flags[0]), expected, `${taken}/30 taken: ${expected}`);
      t.match(flags[0].code.text, /Metoprolol/);
    }
  }
});

t.test('assessment-due: in treatment and no PHQ-9 for 28 days, low with a Task; the clock decides', async (t) => {
  const p = await newPatient(app);
  await postObservation(app, observation(p, '44261-6', 12, '{score}', before(20 * DAY)));
  const early = await run(NOW, { rule: 'assessment-due' });
  t.equal(mine(early, p, 'assessment-due').length, 0, '20 days after a PHQ-9 of 12: not due');
  const later = new Date(NOW.getTime() + 10 * DAY);
  const due = await run(later, { rule: 'assessment-due' });
  t.equal(mine(due, p, 'assessment-due')[0]?.action, 'raised', '30 days after: due');
  const [flag] = await openAlerts(app, p, 'assessment-due');
  t.equal(severity(flag), 'low');
  const tasks = (await fhir('GET', `Task?focus=Flag/${flag.id}`)).json.entry ?? [];
  t.equal(tasks.length, 1, 'a Task for the care team');
  t.equal(tasks[0].resource.priority, 'routine');
  const notInTreatment = await newPatient(app);
  await postObservation(app, observation(notInTreatment, '44261-6', 4, '{score}', before(60 * DAY)));
  await run(later, { rule: 'assessment-due' });
  t.equal((await openAlerts(app, notInTreatment, 'assessment-due')).length, 0, 'a PHQ-9 of 4 and no CarePlan: not in treatment');
});

t.test('a repeated run raises nothing new; --dry-run writes nothing', async (t) => {
  const p = await newPatient(app);
  const r = await medicationRequest(p, 'B01AE', 'Direct thrombin inhibitor', before(10 * DAY));
  await administration(p, r, before(2 * HOUR), 'missed');
  const dry = await run(NOW, { rule: 'missed-dose', dryRun: true });
  t.equal(mine(dry, p, 'missed-dose')[0]?.action, 'raised', 'the dry run says it would raise');
  t.equal((await openAlerts(app, p, 'missed-dose')).length, 0, 'and writes nothing');
  await run(NOW, { rule: 'missed-dose' });
  const again = await run(NOW, { rule: 'missed-dose' });
  t.equal(mine(again, p, 'missed-dose')[0]?.action, 'unchanged');
  t.equal((await openAlerts(app, p, 'missed-dose')).length, 1);
  const sent = (await fhir('GET', `Communication?subject=Patient/${p}`)).json.entry ?? [];
  t.equal(sent.length, 1, 'one Communication');
});

t.test('two Haven instances running the job at once raise each alert once', async (t) => {
  const patients: string[] = [];
  for (let i = 0; i < 5; i++) {
    const p = await newPatient(app);
    const r = await medicationRequest(p, 'B01AF', 'Anticoagulant', before(10 * DAY));
    await administration(p, r, before(HOUR), 'missed');
    patients.push(p);
  }
  // A second instance: its own services over its own connections to the same database.
  const otherDb = app.databaseUrl ? await openDatabase({ databaseUrl: app.databaseUrl, dataDir: '/nonexistent', poolSize: 4 }) : app.db;
  if (app.databaseUrl) t.teardown(() => otherDb.close());
  const other = createServices(app.config, otherDb, { validator: sharedValidator() });
  const reports = await Promise.all([runScheduledAlerts(services, { now: NOW }), runScheduledAlerts(other, { now: NOW })]);
  t.ok(
    reports.some((r) => !r.skipped),
    'one instance ran',
  );
  // Each patient: a missed anticoagulant dose (missed-dose) and no dose taken of 60 expected (adherence-low).
  for (const p of patients) {
    const flags = await openAlerts(app, p);
    t.strictSame(flags.map((f) => f.code.coding[0].code).sort(), ['adherence-low', 'missed-dose'], `Patient ${p}: one Flag per rule`);
    t.equal(((await fhir('GET', `Communication?subject=Patient/${p}`)).json.entry ?? []).length, 2, `Patient ${p}: one Communication per Flag`);
  }
  const raised = reports.flatMap((r) => r.alerts).filter((a) => patients.includes(a.patientId) && a.action === 'raised');
  t.equal(raised.length, 2 * patients.length, 'each raised once across both instances');
});
