// What an app record becomes in the FHIR store, checked against values written here from
// ../shared/reference (mapping.md, clinical-codes.md §4-§7), never against the mappers' constants.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { apiClient, createPatients } from './helpers.js';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const RECORD_KIND = 'https://haven-fhir.org/fhir/CodeSystem/record-kind';
const T = '2024-05-01T08:30:00Z';

t.test('the FHIR resources of app records carry the reference codes', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  const api = apiClient(app);
  const read = async (reference: string) => (await app.fhir('GET', reference)).json;
  const codes = (resource: { code: { coding: Array<{ system: string; code: string }> } }) => resource.code.coding.map((c) => `${c.system}|${c.code}`);

  const mood = await api('POST', 'p1/mood-entries', { recordedAt: T, overallMood: 7, sleepHours: 6.5 });
  const observation = await read(mood.json.fhir[0]);
  t.same(observation.meta.tag, [{ system: RECORD_KIND, code: 'mood-entry' }]);
  t.same(codes(observation), ['https://haven-fhir.org/fhir/CodeSystem/haven-wellbeing|mood-self-rating']);
  t.equal(observation.category[0].coding[0].code, 'survey');
  t.same(observation.valueQuantity, { value: 7, unit: '{score}', system: UCUM, code: '{score}' });
  t.equal(observation.effectiveDateTime, T);
  t.same(observation.subject, { reference: 'Patient/p1' });
  t.same(observation.performer, [{ reference: 'Patient/p1' }]);
  const sleep = observation.component.find((c: { code: { coding: Array<{ code: string }> } }) => c.code.coding[0].code === '93832-4');
  t.match(sleep.valueQuantity, { value: 6.5, system: UCUM, code: 'h' });

  const vitals = await api('POST', 'p1/vitals', {
    recordedAt: T,
    systolicBP: 121,
    diastolicBP: 79,
    heartRate: 64,
    weightLb: 160,
    oxygenSaturation: 97,
    temperatureF: 98.4,
  });
  const [panel, ...members] = await Promise.all(vitals.json.fhir.map(read));
  t.same(codes(panel), [`${LOINC}|85353-1`]);
  t.same(panel.meta.profile, ['http://hl7.org/fhir/StructureDefinition/vitalspanel']);
  t.same(
    panel.hasMember.map((m: { reference: string }) => m.reference),
    vitals.json.fhir.slice(1),
  );
  const byCode = (code: string) => members.find((m) => codes(m).includes(`${LOINC}|${code}`));
  const bp = byCode('85354-9');
  t.same(bp.meta.profile, ['http://hl7.org/fhir/StructureDefinition/bp']);
  t.notOk(bp.valueQuantity, 'the blood pressure panel has no value of its own');
  t.same(
    bp.component.map((c: { code: { coding: Array<{ code: string }> }; valueQuantity: { value: number; code: string } }) => [
      c.code.coding[0].code,
      c.valueQuantity.value,
      c.valueQuantity.code,
    ]),
    [
      ['8480-6', 121, 'mm[Hg]'],
      ['8462-4', 79, 'mm[Hg]'],
    ],
  );
  t.match(byCode('8867-4').valueQuantity, { value: 64, system: UCUM, code: '/min' });
  t.match(byCode('29463-7').valueQuantity, { value: 160, system: UCUM, code: '[lb_av]' });
  t.match(byCode('8310-5').valueQuantity, { value: 98.4, system: UCUM, code: '[degF]' });
  const oxygen = byCode('59408-5');
  t.ok(codes(oxygen).includes(`${LOINC}|2708-6`), 'oxygen saturation carries both codings');
  t.match(oxygen.valueQuantity, { value: 97, system: UCUM, code: '%' });
  for (const m of members) t.equal(m.category[0].coding[0].code, 'vital-signs');

  const medication = await api('POST', 'p1/medications', { name: 'Sertraline 50 MG Oral Tablet', rxnorm: '312940', purpose: 'depression' });
  const request = await read(medication.json.fhir[0]);
  t.match(request, { status: 'active', intent: 'plan', reportedBoolean: true, reasonCode: [{ text: 'depression' }] });
  t.same(request.medicationCodeableConcept.coding, [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '312940' }]);
  t.same(request.requester, { reference: 'Patient/p1' }, 'the patient requests a self-kept entry');
  const missed = await api('POST', `p1/medications/${medication.json.id}/logs`, { takenAt: T, status: 'missed' });
  const administration = await read(missed.json.fhir[0]);
  t.match(administration, {
    status: 'not-done',
    statusReason: [{ text: 'missed' }],
    effectiveDateTime: T,
    performer: [{ actor: { reference: 'Patient/p1' } }],
  });

  const plan = await api('POST', 'p1/care-plans', {
    title: 'Sleep',
    goals: [{ description: 'In bed by 23:00', targetDate: '2024-06-01' }],
    activities: [{ description: 'Walk' }],
  });
  const carePlan = await read(plan.json.fhir[0]);
  t.match(carePlan, { status: 'active', intent: 'plan', title: 'Sleep' });
  t.same(carePlan.category[0].coding[0], {
    system: 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category',
    code: 'assess-plan',
    display: 'Assessment and Plan of Treatment',
  });
  t.equal(carePlan.activity[0].detail.status, 'not-started');
  const goal = await read(plan.json.fhir[1]);
  t.match(goal, {
    lifecycleStatus: 'active',
    description: { text: 'In bed by 23:00' },
    target: [{ dueDate: '2024-06-01' }],
    subject: { reference: 'Patient/p1' },
  });
  t.same(carePlan.goal, [{ reference: plan.json.fhir[1] }]);
});
