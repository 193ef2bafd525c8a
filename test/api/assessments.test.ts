// Assessments through the app-records API are scored by the same after-write hook as a
// QuestionnaireResponse posted to /fhir: score, severity band, the item-9 suicide-risk Flag, the
// care-team Communication. Expected codes are written here from ../shared/reference, not taken
// from the mappers.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { apiClient, createPatients } from './helpers.js';

const LOINC = 'http://loinc.org';
const PHQ9_ITEMS = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];
const ANSWERS = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];

/** Item scores adding up to `total`, with item 9 as given. */
function responsesFor(total: number, item9 = 0): number[] {
  const scores = [0, 0, 0, 0, 0, 0, 0, 0, item9];
  let left = total - item9;
  for (let i = 0; i < 8 && left > 0; i++) {
    scores[i] = Math.min(3, left);
    left -= scores[i];
  }
  return scores;
}

t.test('PHQ-9 and GAD-7 at the band edges: score and severity', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  const api = apiClient(app);
  const phq9: Array<[number, string]> = [
    [0, 'none-minimal'],
    [4, 'none-minimal'],
    [5, 'mild'],
    [9, 'mild'],
    [10, 'moderate'],
    [14, 'moderate'],
    [15, 'moderately-severe'],
    [19, 'moderately-severe'],
    [20, 'severe'],
    [24, 'severe'],
  ];
  for (const [total, severity] of phq9) {
    const res = await api('POST', 'p1/assessments', { type: 'PHQ-9', responses: responsesFor(total), takenAt: '2024-05-01T10:00:00Z' });
    t.equal(res.status, 201);
    t.equal(res.json.score, total, `PHQ-9 total ${total}`);
    t.equal(res.json.severity, severity, `PHQ-9 ${total} is ${severity}`);
    t.notOk(
      res.json.fhir.some((r: string) => r.startsWith('Flag/')),
      'item 9 at 0 raises no Flag',
    );
  }
  const gad7: Array<[number[], number, string]> = [
    [[1, 1, 1, 1, 0, 0, 0], 4, 'minimal'],
    [[1, 1, 1, 1, 1, 0, 0], 5, 'mild'],
    [[2, 2, 2, 2, 2, 0, 0], 10, 'moderate'],
    [[2, 2, 2, 2, 2, 2, 2], 14, 'moderate'],
    [[3, 3, 3, 2, 2, 1, 1], 15, 'severe'],
    [[3, 3, 3, 3, 3, 3, 3], 21, 'severe'],
  ];
  for (const [responses, total, severity] of gad7) {
    const res = await api('POST', 'p1/assessments', { type: 'GAD-7', responses });
    t.equal(res.json.score, total, `GAD-7 total ${total}`);
    t.equal(res.json.severity, severity, `GAD-7 ${total} is ${severity}`);
    t.match(res.json.takenAt, /^\d{4}-\d{2}-\d{2}T/, 'takenAt defaults to now');
  }
});

t.test('an app-posted PHQ-9 at a band edge with item 9 above 0: the Flag, the Communication, the coded FHIR resources', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  t.equal(
    (await app.fhir('PUT', 'CareTeam/team1', { resourceType: 'CareTeam', id: 'team1', status: 'active', subject: { reference: 'Patient/p1' } })).status,
    201,
  );
  const api = apiClient(app);
  const responses = responsesFor(10, 1);
  const res = await api('POST', 'p1/assessments', { type: 'PHQ-9', responses, difficulty: 2, takenAt: '2024-05-01T10:00:00-05:00' });
  t.equal(res.status, 201);
  t.match(res.json, { type: 'PHQ-9', responses, difficulty: 2, takenAt: '2024-05-01T10:00:00-05:00', score: 10, severity: 'moderate' });
  const flagRef = res.json.fhir.find((r: string) => r.startsWith('Flag/'));
  const communicationRef = res.json.fhir.find((r: string) => r.startsWith('Communication/'));
  t.ok(flagRef, 'the Flag is listed in the answer');
  t.ok(communicationRef, 'so is the Communication to the care team');

  const flag = (await app.fhir('GET', flagRef)).json;
  t.equal(flag.status, 'active');
  t.same(flag.category[0].coding[0], { system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'safety', display: 'Safety' });
  t.match(flag.code.coding[0], { system: 'http://snomed.info/sct', code: '225444004' });
  t.equal(flag.code.text, 'Positive PHQ-9 item 9: suicide-risk follow-up needed');
  t.equal(flag.subject.reference, 'Patient/p1');
  const communication = (await app.fhir('GET', communicationRef)).json;
  t.equal(communication.priority, 'urgent');
  t.same(communication.recipient, [{ reference: 'CareTeam/team1' }]);
  t.ok(communication.about.some((a: { reference: string }) => a.reference === flagRef));

  const response = (await app.fhir('GET', `QuestionnaireResponse/${res.json.id}`)).json;
  t.equal(response.questionnaire, 'https://haven-fhir.org/fhir/Questionnaire/phq-9|1.0.0');
  t.equal(response.status, 'completed');
  t.same(response.meta.tag, [{ system: 'https://haven-fhir.org/fhir/CodeSystem/record-kind', code: 'assessment' }]);
  t.equal(response.author.reference, 'Patient/p1');
  PHQ9_ITEMS.forEach((code, i) => {
    const item = response.item.find((it: { linkId: string }) => it.linkId === `/${code}`);
    t.same(item.answer[0].valueCoding.system, LOINC);
    t.equal(item.answer[0].valueCoding.code, ANSWERS[responses[i]], `item ${code} answered with its LA code`);
  });
  const observations = await Promise.all(
    res.json.fhir.filter((r: string) => r.startsWith('Observation/')).map((r: string) => app.fhir('GET', r).then((x) => x.json)),
  );
  const total = observations.find((o) => o.code.coding[0].code === '44261-6');
  t.same(total.valueQuantity, { value: 10, unit: '{score}', system: 'http://unitsofmeasure.org', code: '{score}' });
  t.equal(total.interpretation[0].coding[0].system, 'https://haven-fhir.org/fhir/CodeSystem/phq-9-severity');
  t.equal(total.interpretation[0].coding[0].code, 'moderate');
  const panel = observations.find((o) => o.code.coding[0].code === '44249-1');
  t.equal(panel.hasMember.length, 11, 'the panel has the nine items, the difficulty and the total');
  for (const o of observations) {
    t.same(o.derivedFrom, [{ reference: `QuestionnaireResponse/${res.json.id}` }]);
    t.ok(o.category.some((c: { coding: Array<{ code: string }> }) => c.coding[0].code === 'survey'));
  }

  const again = await api('PUT', `p1/assessments/${res.json.id}`, { type: 'PHQ-9', responses: responsesFor(3), takenAt: '2024-05-01T10:00:00-05:00' });
  t.equal(again.json.score, 3, 'a replaced assessment is scored again');
  t.equal(again.json.severity, 'none-minimal');
  t.equal((await app.fhir('GET', total.id ? `Observation/${total.id}` : '')).json.valueQuantity.value, 3, 'the total Observation follows');
  t.equal((await app.fhir('GET', flagRef)).json.status, 'active', 'a raised Flag stays for the care team to close');
});

t.test('a QuestionnaireResponse posted to /fhir reads as an assessment record with the same score', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  const api = apiClient(app);
  const scores = [3, 2, 1, 0, 3, 2, 1, 0, 0];
  const response = {
    resourceType: 'QuestionnaireResponse',
    questionnaire: 'http://loinc.org/q/44249-1',
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    authored: '2024-06-01T09:00:00Z',
    item: PHQ9_ITEMS.map((code, i) => ({ linkId: `/${code}`, answer: [{ valueCoding: { system: LOINC, code: ANSWERS[scores[i]] } }] })),
  };
  const posted = await app.fhir('POST', 'QuestionnaireResponse', response);
  t.equal(posted.status, 201);
  const id = posted.json.id;
  const res = await api('GET', `p1/assessments/${id}`);
  t.equal(res.status, 200);
  t.match(res.json, { id, type: 'PHQ-9', responses: scores, takenAt: '2024-06-01T09:00:00Z', score: 12, severity: 'moderate' });
  const totals = await app.fhir('GET', `Observation?derived-from=QuestionnaireResponse/${id}&code=${LOINC}|44261-6`);
  t.equal(totals.json.entry[0].resource.valueQuantity.value, res.json.score, 'the same score as the FHIR side derived');
  t.ok(res.json.fhir.includes(`Observation/${totals.json.entry[0].resource.id}`), 'the derived total is among the references');
  t.equal((await api('GET', `p2/assessments/${id}`)).status, 404, 'under no other patient');
  const appPosted = await api('POST', 'p1/assessments', { type: 'GAD-7', responses: [0, 0, 0, 0, 0, 0, 1], takenAt: '2024-05-01T09:00:00Z' });
  const unfinished = await app.fhir('POST', 'QuestionnaireResponse', {
    ...response,
    status: 'in-progress',
    item: response.item.slice(0, 3),
    authored: '2024-07-01T09:00:00Z',
  });
  t.equal(unfinished.status, 201);
  t.equal((await api('GET', `p1/assessments/${unfinished.json.id}`)).status, 404, 'an unfinished response is no assessment');
  const other = await app.fhir('POST', 'QuestionnaireResponse', {
    resourceType: 'QuestionnaireResponse',
    questionnaire: 'http://example.org/Questionnaire/other',
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    authored: '2024-08-01T09:00:00Z',
  });
  t.equal((await api('GET', `p1/assessments/${other.json.id}`)).status, 404, 'a response to another form is no assessment');
  const list = await api('GET', 'p1/assessments');
  t.same(
    list.json.records.map((r: { id: string }) => r.id),
    [id, appPosted.json.id],
    'listed with the app-posted ones, newest first; unfinished and other forms left out',
  );
  t.equal(list.json.records[0].score, 12);
});
