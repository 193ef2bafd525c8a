// PHQ-9 / GAD-7 QuestionnaireResponses posted through the FHIR API are scored like app-built
// ones, in the same transaction; updating or deleting the response updates or retires what it
// derived; PHQ-9 item 9 above 0 raises a Flag (and tells the care teams) that only clinicians lower.
import type { Flag, Observation, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import t from 'tap';
import { WriteHooks } from '../../src/fhir/interactions/hooks.js';
import { WriteInteractions } from '../../src/fhir/interactions/write.js';
import { assessmentDerivationHook } from '../../src/hooks/assessment-derivation.js';
import { communicationIdOf, derivedObservationIds, flagIdOf } from '../../src/mappers/assessment-derivation.js';
import { assessmentResponse, assessmentToFhir, validateAssessment } from '../../src/mappers/assessment.js';
import { ownedId } from '../../src/mappers/fhir.js';
import { GAD7, PHQ9 } from '../../src/mappers/instruments.js';
import { ALL_ACCESS } from '../../src/store/context.js';
import { testApp } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

const app = await testApp(t);
const { fhir, services } = app;
const patientId = 'ana';
await fhir('PUT', `Patient/${patientId}`, { resourceType: 'Patient', id: patientId, name: [{ family: 'Rivera' }] });
const now = new Date('2024-06-01T12:00:00Z');

function response(type: 'PHQ-9' | 'GAD-7', responses: number[], extra: object = {}): QuestionnaireResponse {
  const record = validateAssessment({ type, responses, takenAt: '2024-05-01T09:00:00Z', ...extra }, now);
  const { id: _id, ...body } = assessmentResponse(record, { patientId, id: 'assigned-by-server' });
  return body as QuestionnaireResponse;
}

function withoutServerMeta(resource: Resource): Resource {
  const { meta, ...rest } = resource;
  const { versionId: _v, lastUpdated: _l, ...kept } = meta ?? {};
  return (Object.keys(kept).length ? { ...rest, meta: kept } : rest) as Resource;
}

const owned = (responseId: string, role: string) => ownedId(`QuestionnaireResponse/${responseId}`, role);
const countResources = async () => (await services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource')).rows[0].n;

t.test('a response posted through the FHIR API derives exactly what the app-records mapper builds', async (t) => {
  const record = validateAssessment({ type: 'PHQ-9', responses: [2, 1, 3, 0, 1, 2, 0, 1, 1], difficulty: 1, takenAt: '2024-05-01T09:00:00Z' }, now);
  const posted = await fhir('POST', 'QuestionnaireResponse', response('PHQ-9', record.responses, { difficulty: 1 }));
  t.equal(posted.status, 201);
  const id = posted.json.id;
  const expected = assessmentToFhir(record, { patientId, id, now, careTeamIds: [] }).slice(1);
  t.equal(expected.length, 1 + 10 + 1 + 1, 'panel, 9 items and difficulty, total, Flag');
  for (const resource of expected) {
    const stored = await fhir('GET', `${resource.resourceType}/${resource.id}`);
    t.equal(stored.status, 200, `${resource.resourceType} ${resource.id} is stored`);
    t.equal(stored.json.meta.versionId, '1');
    if (resource.resourceType === 'Flag') {
      const { period, ...flag } = withoutServerMeta(stored.json) as Flag;
      const { period: _raisedAt, ...expectedFlag } = resource as Flag;
      t.strictSame(flag, expectedFlag, 'the Flag equals the app-built one but for the time it was raised');
      t.ok(period?.start && Math.abs(Date.parse(period.start) - Date.now()) < 60_000, 'the Flag is raised now');
    } else {
      t.strictSame(withoutServerMeta(stored.json), resource, `${resource.resourceType} equals the app-built one`);
    }
  }
});

t.test("a response on LOINC's form (numeric item ids) is scored too", async (t) => {
  const numeric = ['57541', '57542', '57543', '57544', '57545', '57546', '57547'];
  const answers = ['LA6571-9', 'LA18938-3', 'LA6571-9', 'LA6570-1', 'LA6571-9', 'LA6569-3', 'LA6568-5'];
  const posted = await fhir('POST', 'QuestionnaireResponse', {
    resourceType: 'QuestionnaireResponse',
    questionnaire: 'http://loinc.org/q/69737-5',
    status: 'completed',
    subject: { reference: `Patient/${patientId}` },
    authored: '2024-05-02T10:00:00Z',
    item: [
      ...numeric.map((linkId, i) => ({ linkId, answer: [{ valueCoding: { system: 'http://loinc.org', code: answers[i] } }] })),
      { linkId: '58628', answer: [{ valueDecimal: 14 }] },
    ],
  });
  t.equal(posted.status, 201);
  const total = (await fhir('GET', `Observation/${owned(posted.json.id, 'total')}`)).json as Observation;
  t.equal(total.code.coding?.[0].code, '70274-6');
  t.equal(total.valueQuantity?.value, 14, '3 + 2 + 3 + 2 + 3 + 1 + 0');
  t.equal(total.interpretation?.[0].coding?.[0].code, 'moderate');
  const panel = (await fhir('GET', `Observation/${owned(posted.json.id, 'panel')}`)).json as Observation;
  t.equal(panel.hasMember?.length, 8, 'seven items and the total');
  t.equal((await fhir('GET', `Flag/${flagIdOf(posted.json.id)}`)).status, 404, 'no GAD-7 item raises a Flag');
});

t.test('updating the response rewrites only what changed and retires what it no longer supports; deleting retires all', async (t) => {
  const body = response('PHQ-9', [1, 1, 1, 1, 1, 1, 1, 1, 0], { difficulty: 2 });
  const { json: created } = await fhir('POST', 'QuestionnaireResponse', body);
  const id = created.id;
  const version = async (role: string) => (await fhir('GET', `Observation/${owned(id, role)}`)).json?.meta?.versionId;

  const changed = response('PHQ-9', [3, 1, 1, 1, 1, 1, 1, 1, 0]);
  t.equal((await fhir('PUT', `QuestionnaireResponse/${id}`, { ...changed, id })).status, 200);
  t.equal(await version('item/44250-9'), '2', 'the changed item gets a new version');
  t.equal(await version('item/44255-8'), '1', 'an unchanged item does not');
  t.equal(await version('total'), '2');
  t.equal((await fhir('GET', `Observation/${owned(id, 'total')}`)).json.valueQuantity.value, 10);
  t.equal((await fhir('GET', `Observation/${owned(id, 'total')}`)).json.interpretation[0].coding[0].code, 'moderate');
  t.equal((await fhir('GET', `Observation/${owned(id, 'item/69722-7')}`)).status, 410, 'the difficulty answer left: its Observation is retired');
  t.notOk(
    (await fhir('GET', `Observation/${owned(id, 'panel')}`)).json.hasMember.some((r: { reference: string }) => r.reference.endsWith(owned(id, 'item/69722-7'))),
  );

  const item2 = { op: 'replace', path: '/item/1/answer/0/valueCoding', value: { system: 'http://loinc.org', code: 'LA6571-9' } };
  const stale = await fhir('PATCH', `QuestionnaireResponse/${id}`, [item2]);
  t.equal(stale.status, 422, 'a PATCH that leaves the total at 10 is refused');
  t.equal(errorCode(stale.json), 'invalid-resource');
  t.same(stale.json.issue[0].expression, ['QuestionnaireResponse.item[9].answer[0]'], 'the total answer is the one refused');
  const patched = await fhir('PATCH', `QuestionnaireResponse/${id}`, [item2, { op: 'replace', path: '/item/9/answer/0/valueInteger', value: 12 }]);
  t.equal(patched.status, 200);
  t.equal((await fhir('GET', `Observation/${owned(id, 'total')}`)).json.valueQuantity.value, 12, 'a PATCH rescoring too');

  t.equal((await fhir('PUT', `QuestionnaireResponse/${id}`, { ...changed, id, status: 'entered-in-error' })).status, 200);
  for (const derivedId of derivedObservationIds(id, PHQ9))
    t.not((await fhir('GET', `Observation/${derivedId}`)).status, 200, 'entered-in-error retires every score');
  t.equal((await fhir('PUT', `QuestionnaireResponse/${id}`, { ...changed, id })).status, 200);
  t.equal((await fhir('GET', `Observation/${owned(id, 'total')}`)).status, 200, 'completed again: scored again');

  t.equal((await fhir('DELETE', `QuestionnaireResponse/${id}`)).status, 204);
  for (const derivedId of derivedObservationIds(id, PHQ9))
    t.not((await fhir('GET', `Observation/${derivedId}`)).status, 200, 'deleting the response retires every score');

  const { json: gad } = await fhir('POST', 'QuestionnaireResponse', response('GAD-7', [1, 1, 1, 1, 1, 1, 1]));
  t.equal(
    (await fhir('PUT', `QuestionnaireResponse/${gad.id}`, { ...gad, questionnaire: 'https://example.org/Questionnaire/other', meta: undefined })).status,
    200,
  );
  for (const derivedId of derivedObservationIds(gad.id, GAD7)) t.not((await fhir('GET', `Observation/${derivedId}`)).status, 200, 'no longer a GAD-7: retired');
});

t.test('PHQ-9 item 9 above 0 raises a Flag that the response cannot lower; it is raised again once lowered', async (t) => {
  const team = await fhir('POST', 'CareTeam', { resourceType: 'CareTeam', status: 'active', subject: { reference: `Patient/${patientId}` } });
  t.equal(team.status, 201);
  // An inactive team of the same patient, and an active team of another, are not told.
  await fhir('POST', 'CareTeam', { resourceType: 'CareTeam', status: 'inactive', subject: { reference: `Patient/${patientId}` } });
  await fhir('POST', 'CareTeam', { resourceType: 'CareTeam', status: 'active', subject: { reference: 'Patient/someone-else' } });
  const { json: created } = await fhir('POST', 'QuestionnaireResponse', response('PHQ-9', [0, 0, 0, 0, 0, 0, 0, 0, 2]));
  const flagUrl = `Flag/${flagIdOf(created.id)}`;
  const flag = await fhir('GET', flagUrl);
  t.equal(flag.status, 200, 'a low total does not hide item 9');
  t.equal(flag.json.status, 'active');
  t.strictSame(flag.json.subject, { reference: `Patient/${patientId}` });
  t.strictSame(
    flag.json.extension.map((e: { valueReference: { reference: string } }) => e.valueReference.reference),
    [`QuestionnaireResponse/${created.id}`, `Observation/${owned(created.id, 'item/44260-8')}`],
  );
  const communication = await fhir('GET', `Communication/${communicationIdOf(created.id)}`);
  t.equal(communication.status, 200, "the patient's active care team is told");
  t.equal(communication.json.priority, 'urgent');
  t.strictSame(communication.json.recipient, [{ reference: `CareTeam/${team.json.id}` }], 'only the active team of this patient');
  t.ok(
    communication.json.about.some((a: { reference: string }) => a.reference === flagUrl),
    'about the Flag',
  );

  const id = created.id;
  await fhir('PUT', `QuestionnaireResponse/${id}`, { ...response('PHQ-9', [1, 0, 0, 0, 0, 0, 0, 0, 3]), id });
  t.equal((await fhir('GET', flagUrl)).json.meta.versionId, '1', 'still positive: the Flag is left as it is');
  await fhir('PUT', `QuestionnaireResponse/${id}`, { ...response('PHQ-9', [0, 0, 0, 0, 0, 0, 0, 0, 0]), id });
  t.equal((await fhir('GET', flagUrl)).json.status, 'active', 'item 9 changed to 0: the Flag stays up');
  await fhir('DELETE', `QuestionnaireResponse/${id}`);
  t.equal((await fhir('GET', flagUrl)).json.status, 'active', 'response deleted: the Flag stays up');

  const current = (await fhir('GET', flagUrl)).json;
  t.equal((await fhir('PUT', flagUrl, { ...current, status: 'inactive' })).status, 200, 'a clinician closes it');
  // Closing stamps period.end in the same transaction (src/alerts/: resolution), one more version.
  const closed = (await fhir('GET', flagUrl)).json;
  t.equal(closed.status, 'inactive', 'closed');
  t.ok(closed.period?.end, 'the close is stamped with when');
  await fhir('PUT', `QuestionnaireResponse/${id}`, { ...response('PHQ-9', [0, 0, 0, 0, 0, 0, 0, 0, 1]), id });
  const raised = (await fhir('GET', flagUrl)).json;
  t.equal(raised.status, 'active', 'a positive item 9 written again raises it again');
  t.equal(Number(raised.meta.versionId), Number(closed.meta.versionId) + 1, 'raised again as the next version of the same Flag');
});

t.test('with active care teams, the alert goes to each in a Communication (injected lookup)', async (t) => {
  const hooks = new WriteHooks().on(
    'QuestionnaireResponse',
    assessmentDerivationHook({ validator: services.validator, careTeams: async (_s, patient) => (patient === patientId ? ['team-a', 'team-b'] : []) }),
  );
  const writes = new WriteInteractions(services.validator, hooks);
  const outcome = await services.store.transaction({ actor: { requestId: 'test' }, access: ALL_ACCESS }, (s) =>
    writes.create(s, 'QuestionnaireResponse', response('PHQ-9', [0, 0, 0, 0, 0, 0, 0, 0, 1])),
  );
  const id = outcome.version!.id;
  const communication = await fhir('GET', `Communication/${communicationIdOf(id)}`);
  t.equal(communication.status, 200);
  t.equal(communication.json.priority, 'urgent');
  t.strictSame(communication.json.recipient, [{ reference: 'CareTeam/team-a' }, { reference: 'CareTeam/team-b' }]);
  t.strictSame(communication.json.about, [{ reference: `Flag/${flagIdOf(id)}` }, { reference: `QuestionnaireResponse/${id}` }]);
});

t.test("a response that breaks Haven's form is refused with 422 naming the element, and nothing is stored", async (t) => {
  const before = await countResources();
  const bad = response('PHQ-9', [1, 1, 1, 1, 1, 1, 1, 1, 1]);
  bad.item![3].answer = [{ valueCoding: { system: 'http://loinc.org', code: 'LA18938-3' } }];
  const answer = await fhir('POST', 'QuestionnaireResponse', bad);
  t.equal(answer.status, 422);
  t.equal(answer.json.resourceType, 'OperationOutcome');
  t.strictSame(answer.json.issue[0].expression, ['QuestionnaireResponse.item[3].answer[0].valueCoding']);
  const incomplete = response('PHQ-9', [1, 1, 1, 1, 1, 1, 1, 1, 1]);
  incomplete.item = incomplete.item!.slice(1);
  t.equal((await fhir('POST', 'QuestionnaireResponse', incomplete)).status, 422, 'a completed response must answer every item');
  t.equal(await countResources(), before, 'nothing stored');
  t.equal((await fhir('POST', 'QuestionnaireResponse', { ...incomplete, status: 'in-progress' })).status, 201, 'in progress it may');
});

t.test('other questionnaires are left alone', async (t) => {
  const before = await countResources();
  const posted = await fhir('POST', 'QuestionnaireResponse', {
    resourceType: 'QuestionnaireResponse',
    questionnaire: 'https://example.org/Questionnaire/sleep',
    status: 'completed',
    subject: { reference: `Patient/${patientId}` },
    item: [{ linkId: '/44260-8', answer: [{ valueCoding: { system: 'http://loinc.org', code: 'LA6571-9' } }] }],
  });
  t.equal(posted.status, 201);
  t.equal(await countResources(), before + 1, 'only the response is stored');
});

t.test('a derived id already taken by a resource the response does not own is never overwritten', async (t) => {
  const foreign = { resourceType: 'Observation', id: owned('collide', 'total'), status: 'final', code: { text: 'not derived' } };
  t.equal((await fhir('PUT', `Observation/${foreign.id}`, foreign)).status, 201);
  const answer = await fhir('PUT', 'QuestionnaireResponse/collide', { ...response('PHQ-9', [0, 0, 0, 0, 0, 0, 0, 0, 0]), id: 'collide' });
  t.equal(answer.status, 409);
  t.equal((await fhir('GET', 'QuestionnaireResponse/collide')).status, 404, 'the response is not stored either');
  t.equal((await fhir('GET', `Observation/${foreign.id}`)).json.code.text, 'not derived');
});
