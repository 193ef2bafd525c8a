// An alert's life: the Flag in the contract's shape with its Communication to the CareTeam, one
// open Flag per patient and rule (evidence added, nothing sent), escalation to a worse severity,
// resolution by the care team (status inactive) and a new Flag on the next reading; every write
// route (PUT, PATCH, transaction Bundle); the summary's open alerts; what a patient token may not do.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { apiClient } from '../api/helpers.js';
import { bpPanel, newPatient, observation, openAlerts, postObservation, postVitals, severity, type Json } from './helpers.js';

const app = await testApp(t);
const { fhir } = app;

async function communications(patientId: string): Promise<Json[]> {
  const res = await fhir('GET', `Communication?subject=Patient/${patientId}`);
  return (res.json.entry ?? []).map((e: Json) => e.resource);
}

t.test(
  "the issue's reading (185/125, HR 130, SpO2 86) raises three alerts, each a Flag in the contract's shape and a Communication to the CareTeam",
  async (t) => {
    const p = await newPatient(app);
    const team = (await fhir('GET', `CareTeam?patient=Patient/${p}`)).json.entry[0].resource.id;
    const answer = await postVitals(app, p, { systolicBP: 185, diastolicBP: 125, heartRate: 130, oxygenSaturation: 86 });
    const flags = await openAlerts(app, p);
    const byRule = new Map(flags.map((f) => [f.code.coding[0].code, f]));
    t.strictSame([...byRule.keys()].sort(), ['bp-crisis', 'heart-rate-high', 'spo2-low']);
    t.strictSame(answer.alerts.slice().sort(), flags.map((f) => `Flag/${f.id}`).sort(), 'the answer lists the three Flags');
    const crisis = byRule.get('bp-crisis');
    t.equal(crisis.status, 'active');
    t.strictSame(crisis.category, [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'clinical' }] }]);
    t.match(crisis.code.coding[0], { system: 'https://haven-fhir.org/fhir/CodeSystem/alert-rule', code: 'bp-crisis' });
    t.match(crisis.code.coding[1], { system: 'http://snomed.info/sct', code: '706882009' });
    t.equal(crisis.subject.reference, `Patient/${p}`);
    const details = crisis.extension.filter((e: Json) => e.url === 'http://hl7.org/fhir/StructureDefinition/flag-detail');
    t.equal(details.length, 1);
    t.match(details[0].valueReference.reference, /^Observation\//);
    const priority = crisis.extension.find((e: Json) => e.url === 'http://hl7.org/fhir/StructureDefinition/flag-priority');
    t.strictSame(priority.valueCodeableConcept.coding, [{ system: 'http://hl7.org/fhir/flag-priority-code', code: 'PH' }]);
    t.equal(severity(crisis), 'critical');
    t.equal(severity(byRule.get('heart-rate-high')), 'high');
    t.equal(severity(byRule.get('spo2-low')), 'critical');
    const sent = await communications(p);
    t.equal(sent.length, 3, 'one Communication per alert');
    const toCrisis = sent.find((c) => c.about[0].reference === `Flag/${crisis.id}`);
    t.equal(toCrisis.priority, 'stat', 'critical: stat');
    t.strictSame(toCrisis.recipient, [{ reference: `CareTeam/${team}` }]);
    t.equal(toCrisis.category[0].coding[0].code, 'alert');
    t.equal(sent.find((c) => c.about[0].reference === `Flag/${byRule.get('heart-rate-high').id}`).priority, 'urgent', 'high: urgent');
  },
);

t.test('one open Flag per patient and rule: a second crisis reading adds evidence and sends nothing', async (t) => {
  const p = await newPatient(app);
  const first = await postObservation(app, bpPanel(p, 182, 100));
  const second = await postObservation(app, bpPanel(p, 190, 110));
  const flags = await openAlerts(app, p, 'bp-crisis');
  t.equal(flags.length, 1);
  const details = flags[0].extension
    .filter((e: Json) => e.url === 'http://hl7.org/fhir/StructureDefinition/flag-detail')
    .map((e: Json) => e.valueReference.reference);
  t.strictSame(details, [`Observation/${first.id}`, `Observation/${second.id}`]);
  t.equal((await communications(p)).length, 1, 'no second Communication');
  const viaApp = await postVitals(app, p, { systolicBP: 181, diastolicBP: 90 });
  t.notOk(viaApp.alerts, 'a further reading raises nothing, so the answer lists none');
});

t.test('a worse reading escalates the same Flag and sends one Communication at the higher priority', async (t) => {
  const p = await newPatient(app);
  await postObservation(app, observation(p, '8867-4', 125, '/min'));
  const [high] = await openAlerts(app, p, 'heart-rate-high');
  t.equal(severity(high), 'high');
  const answer = await postVitals(app, p, { heartRate: 135 });
  const flags = await openAlerts(app, p, 'heart-rate-high');
  t.equal(flags.length, 1);
  t.equal(flags[0].id, high.id, 'the same Flag');
  t.equal(severity(flags[0]), 'critical');
  t.strictSame(answer.alerts, [`Flag/${high.id}`], 'the answer lists the escalated Flag');
  const sent = await communications(p);
  t.strictSame(sent.map((c) => c.priority).sort(), ['stat', 'urgent']);
  await postObservation(app, observation(p, '8867-4', 122, '/min'));
  t.equal(severity((await openAlerts(app, p, 'heart-rate-high'))[0]), 'critical', 'a milder reading does not lower it');
  t.equal((await communications(p)).length, 2);
});

t.test('the care team resolves a Flag (status inactive); the next reading raises a new one', async (t) => {
  const p = await newPatient(app);
  await postObservation(app, observation(p, '59408-5', 90, '%'));
  const [flag] = await openAlerts(app, p, 'spo2-low');
  const clinician = await app.token('user/*.cruds', { fhirUser: 'Practitioner/dr-alerts' });
  const resolved = await app.as(clinician)('PATCH', `Flag/${flag.id}`, [{ op: 'replace', path: '/status', value: 'inactive' }]);
  t.equal(resolved.status, 200, resolved.body);
  const stored = (await fhir('GET', `Flag/${flag.id}`)).json;
  t.equal(stored.status, 'inactive');
  t.ok(stored.period.end, 'period.end stamped on resolution');
  const history = (await fhir('GET', `Flag/${flag.id}/_history`)).json;
  t.ok(history.entry.length >= 2, 'the resolution is in the history (and so the audit trail)');
  t.equal((await openAlerts(app, p, 'spo2-low')).length, 0);
  await postObservation(app, observation(p, '59408-5', 91, '%'));
  const [again] = await openAlerts(app, p, 'spo2-low');
  t.ok(again, 'a new Flag');
  t.not(again.id, flag.id);
  t.equal((await communications(p)).length, 2, 'and a new Communication');
});

t.test('a patient token may neither resolve an alert nor change its limits, nor see another patient’s alerts', async (t) => {
  const a = await newPatient(app);
  const b = await newPatient(app);
  await postObservation(app, observation(a, '8867-4', 125, '/min'));
  await postObservation(app, observation(b, '8867-4', 125, '/min'));
  const [flagA] = await openAlerts(app, a, 'heart-rate-high');
  const [flagB] = await openAlerts(app, b, 'heart-rate-high');
  const patientA = await app.token('patient/*.cruds', { patient: a });
  const asA = app.as(patientA);
  const patch = await asA('PATCH', `Flag/${flagA.id}`, [{ op: 'replace', path: '/status', value: 'inactive' }]);
  t.equal(patch.status, 403, 'cannot resolve their own alert');
  t.equal((await fhir('GET', `Flag/${flagA.id}`)).json.status, 'active');
  t.equal((await asA('GET', `Flag/${flagB.id}`)).status, 404, "another patient's Flag looks unknown");
  const search = await asA('GET', `Flag?patient=Patient/${b}&status=active`);
  t.equal(search.json.entry?.length ?? 0, 0, "another patient's alerts are not listed");
  const own = await asA('GET', `Flag?patient=Patient/${a}&status=active`);
  t.equal(own.json.entry.length, 1, 'their own are');
  const summary = await app.app.inject({ method: 'GET', url: `/api/v1/patients/${b}/summary`, headers: { authorization: `Bearer ${patientA}` } });
  t.not(summary.statusCode, 200, "another patient's summary is refused");
  const goal = {
    resourceType: 'Goal',
    lifecycleStatus: 'active',
    subject: { reference: `Patient/${a}` },
    expressedBy: { reference: 'Practitioner/dr-alerts' },
    description: { text: 'Resting HR 45-140' },
    target: [
      {
        measure: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        detailRange: {
          low: { value: 45, system: 'http://unitsofmeasure.org', code: '/min' },
          high: { value: 140, system: 'http://unitsofmeasure.org', code: '/min' },
        },
      },
    ],
  };
  const written = await asA('POST', 'Goal', goal);
  t.equal(written.status, 403, 'cannot write a Goal with alert limits in a clinician’s name');
  const ownGoal = await asA('POST', 'Goal', { ...goal, expressedBy: { reference: `Patient/${a}` } });
  t.equal(ownGoal.status, 201, 'a Goal of their own is stored...');
  const c = await newPatient(app);
  await fhir('POST', 'Goal', { ...goal, subject: { reference: `Patient/${c}` }, expressedBy: { reference: `Patient/${c}` } });
  await postObservation(app, observation(c, '8867-4', 125, '/min'));
  t.equal((await openAlerts(app, c, 'heart-rate-high')).length, 1, '...but a patient-expressed Goal never loosens an alert');
});

t.test('the summary lists open alerts of every rule', async (t) => {
  const p = await newPatient(app);
  await postVitals(app, p, { systolicBP: 185, diastolicBP: 100, temperatureF: 101 });
  const res = await apiClient(app)('GET', `${p}/summary`);
  t.equal(res.status, 200, res.body);
  const codes = res.json.riskFlags.map((f: Json) => f.code.find((c: Json) => c.system === 'https://haven-fhir.org/fhir/CodeSystem/alert-rule')?.code).sort();
  t.strictSame(codes, ['bp-crisis', 'fever']);
  t.strictSame(res.json.riskFlags.map((f: Json) => `${f.rule}:${f.severity}`).sort(), ['bp-crisis:critical', 'fever:medium'], 'with rule and severity');
});

t.test('every FHIR write route runs the rules: update, PATCH, transaction Bundle', async (t) => {
  const p = await newPatient(app);
  const created = await postObservation(app, observation(p, '8867-4', 70, '/min'));
  t.equal((await openAlerts(app, p)).length, 0);
  const updated = await fhir('PUT', `Observation/${created.id}`, { ...observation(p, '8867-4', 45, '/min'), id: created.id });
  t.equal(updated.status, 200);
  t.equal(severity((await openAlerts(app, p, 'heart-rate-low'))[0]), 'medium', 'PUT');
  const patched = await fhir('PATCH', `Observation/${created.id}`, [{ op: 'replace', path: '/valueQuantity/value', value: 38 }]);
  t.equal(patched.status, 200);
  t.equal(severity((await openAlerts(app, p, 'heart-rate-low'))[0]), 'high', 'PATCH escalates');
  const q = await newPatient(app);
  const bundle = await fhir('POST', '', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:7f2c1f0e-0000-4000-8000-000000000001',
        resource: observation(q, '8310-5', 38.2, 'Cel'),
        request: { method: 'POST', url: 'Observation' },
      },
      { fullUrl: 'urn:uuid:7f2c1f0e-0000-4000-8000-000000000002', resource: bpPanel(q, 85, 55), request: { method: 'POST', url: 'Observation' } },
    ],
  });
  t.equal(bundle.status, 200, bundle.body);
  const flags = await openAlerts(app, q);
  t.strictSame(flags.map((f) => f.code.coding[0].code).sort(), ['bp-low', 'fever'], 'transaction Bundle');
  const batch = await fhir('POST', '', {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [{ resource: observation(q, '8867-4', 140, '/min'), request: { method: 'POST', url: 'Observation' } }],
  });
  t.equal(batch.status, 200);
  t.equal(severity((await openAlerts(app, q, 'heart-rate-high'))[0]), 'critical', 'batch Bundle');
});

t.test('a reading measured more than 24 h before it arrived raises at most medium, noted as late', async (t) => {
  const p = await newPatient(app);
  await postObservation(app, observation(p, '8867-4', 140, '/min', new Date(Date.now() - 3 * 86_400_000).toISOString()));
  const [flag] = await openAlerts(app, p, 'heart-rate-high');
  t.equal(severity(flag), 'medium');
  t.match(flag.code.text, /late/);
});

t.test(
  'a positive PHQ-9 item 9 gets its follow-up Task (stat, owned by the CareTeam, due today); only the care team closes the Flag, which completes the Task',
  async (t) => {
    const p = await newPatient(app);
    const team = (await fhir('GET', `CareTeam?patient=Patient/${p}`)).json.entry[0].resource.id;
    const patientToken = await app.token('patient/*.cruds', { patient: p });
    const res = await apiClient(app, patientToken)('POST', `${p}/assessments`, {
      type: 'PHQ-9',
      responses: [0, 0, 0, 0, 0, 0, 0, 0, 1],
      takenAt: new Date(Date.now() - 60_000).toISOString(),
    });
    t.equal(res.status, 201, res.body);
    const flagRef = res.json.fhir.find((r: string) => r.startsWith('Flag/'));
    t.ok(flagRef, 'the suicide-risk Flag, as before');
    const tasks = (await fhir('GET', `Task?focus=${flagRef}`)).json.entry.map((e: Json) => e.resource);
    t.equal(tasks.length, 1);
    t.match(tasks[0], { status: 'requested', intent: 'order', priority: 'stat', for: { reference: `Patient/${p}` }, owner: { reference: `CareTeam/${team}` } });
    t.equal(tasks[0].restriction.period.end.slice(0, 10), new Date().toISOString().slice(0, 10), 'due the same day');
    const byPatient = await app.as(patientToken)('PATCH', flagRef, [{ op: 'replace', path: '/status', value: 'inactive' }]);
    t.equal(byPatient.status, 403, 'the patient cannot close it');
    const clinician = await app.token('user/*.cruds', { fhirUser: 'Practitioner/dr-alerts' });
    t.equal((await app.as(clinician)('PATCH', flagRef, [{ op: 'replace', path: '/status', value: 'inactive' }])).status, 200);
    t.equal((await fhir('GET', `Task/${tasks[0].id}`)).json.status, 'completed', 'closing the Flag completes its Task');
  },
);
