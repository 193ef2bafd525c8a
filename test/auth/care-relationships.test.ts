// user/ tokens follow the care relationship (Haven policy, reference/smart-scopes.md 1.4): a
// Practitioner reaches the patients whose active CareTeam lists them (directly or through a
// PractitionerRole), a RelatedPerson what an active Consent grants; ending the relationship ends
// the access at the next request. USER_ACCESS=all lets user/ scopes reach every patient.
import t from 'tap';
import { testApp } from '../helpers/app.js';

const observation = (id: string, patient: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: 'mood' },
  subject: { reference: `Patient/${patient}` },
});
const careTeam = (id: string, patient: string, members: string[], status = 'active') => ({
  resourceType: 'CareTeam',
  id,
  status,
  subject: { reference: `Patient/${patient}` },
  participant: members.map((reference) => ({ member: { reference } })),
});
const consent = (id: string, patient: string, actor: string, status = 'active') => ({
  resourceType: 'Consent',
  id,
  status,
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: `Patient/${patient}` },
  provision: {
    type: 'permit',
    actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'FAMMEMB' }] }, reference: { reference: actor } }],
    class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }],
  },
});

async function load(app: Awaited<ReturnType<typeof testApp>>, resources: Array<{ resourceType: string; id: string }>) {
  for (const r of resources) {
    const res = await app.fhir('PUT', `${r.resourceType}/${r.id}`, r);
    if (res.status >= 300) throw new Error(`${r.resourceType}/${r.id}: ${res.body}`);
  }
}

t.test('care relationships', async (t) => {
  const app = await testApp(t);
  await load(app, [
    { resourceType: 'Patient', id: 'a' },
    { resourceType: 'Patient', id: 'b' },
    { resourceType: 'Practitioner', id: 'doc' },
    { resourceType: 'Practitioner', id: 'doc2' },
    { resourceType: 'PractitionerRole', id: 'role2', practitioner: { reference: 'Practitioner/doc2' }, active: true } as never,
    careTeam('team-a', 'a', ['Practitioner/doc', 'Patient/a']),
    careTeam('team-b', 'b', ['PractitionerRole/role2']),
    observation('oa', 'a'),
    observation('ob', 'b'),
  ]);

  t.test('a Practitioner on A’s CareTeam sees A and not B, until removed from it', async (t) => {
    const doc = app.as(await app.token('user/*.rs', { fhirUser: 'Practitioner/doc' }));
    t.equal((await doc('GET', 'Patient/a')).status, 200);
    t.equal((await doc('GET', 'Observation/oa')).status, 200);
    t.equal((await doc('GET', 'Patient/b')).status, 404);
    t.equal((await doc('GET', 'Observation/ob')).status, 404);
    t.equal((await doc('GET', 'Practitioner/doc2')).status, 200, 'resources outside patient compartments are readable');
    const history = await doc('GET', '_history');
    t.match(history.body, /Observation\/oa/);
    t.notMatch(history.body, /Observation\/ob|"id":"b"/);
    t.match(history.body, /Practitioner\/doc2/);

    await load(app, [careTeam('team-a', 'a', ['Patient/a'])]);
    t.equal((await doc('GET', 'Observation/oa')).status, 404, 'removing the participant ends the access at once');
    t.notMatch((await doc('GET', '_history')).body, /Observation\/oa/);
    await load(app, [careTeam('team-a', 'a', ['Practitioner/doc'], 'inactive')]);
    t.equal((await doc('GET', 'Observation/oa')).status, 404, 'an inactive CareTeam gives no access');
    await load(app, [careTeam('team-a', 'a', ['Practitioner/doc'])]);
    t.equal((await doc('GET', 'Observation/oa')).status, 200, 'back on an active team');
  });

  t.test('a Practitioner reaches patients through an active PractitionerRole of theirs', async (t) => {
    const doc2 = app.as(await app.token('user/*.read', { fhirUser: 'http://haven.test/fhir/Practitioner/doc2' }));
    t.equal((await doc2('GET', 'Observation/ob')).status, 200);
    t.equal((await doc2('GET', 'Observation/oa')).status, 404);
    await load(app, [{ resourceType: 'PractitionerRole', id: 'role2', practitioner: { reference: 'Practitioner/doc2' }, active: false } as never]);
    t.equal((await doc2('GET', 'Observation/ob')).status, 404, 'an inactive role carries no access');
    await load(app, [{ resourceType: 'PractitionerRole', id: 'role2', practitioner: { reference: 'Practitioner/doc2' }, active: true } as never]);
    t.equal((await doc2('GET', 'Observation/ob')).status, 200);
  });

  t.test('a clinician writes only for their patients', async (t) => {
    const doc = app.as(await app.token('user/Observation.cruds', { fhirUser: 'Practitioner/doc' }));
    t.equal((await doc('POST', 'Observation', { ...observation('x', 'a'), id: undefined })).status, 201);
    t.equal((await doc('POST', 'Observation', { ...observation('x', 'b'), id: undefined })).status, 403);
    t.equal((await doc('PUT', 'Observation/ob', observation('ob', 'b'))).status, 403);
    t.equal((await doc('DELETE', 'Observation/ob')).status, 204, 'as for an unknown id');
    t.equal((await app.fhir('GET', 'Observation/ob')).status, 200, 'nothing deleted');
  });

  t.test('a user/ token without a care relationship reaches no patient data', async (t) => {
    const nobody = app.as(await app.token('user/*.rs', { fhirUser: 'Practitioner/unknown' }));
    t.equal((await nobody('GET', 'Observation/oa')).status, 404);
    t.equal((await nobody('GET', 'Practitioner/doc')).status, 200);
    const anonymous = app.as(await app.token('user/*.rs'));
    t.equal((await anonymous('GET', 'Patient/a')).status, 403, 'without a fhirUser, user/ scopes grant no patient data');
    t.equal((await anonymous('GET', 'Practitioner/doc')).status, 200);
  });

  t.test('a RelatedPerson sees what an active Consent of the patient permits', async (t) => {
    const relative = app.as(await app.token('user/*.rs', { fhirUser: 'RelatedPerson/rp' }));
    t.equal((await relative('GET', 'Observation/oa')).status, 404, 'no Consent yet');
    await load(app, [consent('consent-a', 'a', 'RelatedPerson/rp')]);
    t.equal((await relative('GET', 'Observation/oa')).status, 200);
    t.equal((await relative('GET', 'Patient/a')).status, 404, 'the Consent names Observation only');
    t.equal((await relative('GET', 'Observation/ob')).status, 404);
    await load(app, [consent('consent-a', 'a', 'RelatedPerson/rp', 'inactive')]);
    t.equal((await relative('GET', 'Observation/oa')).status, 404, 'an inactive Consent ends the access');
  });
});

t.test('USER_ACCESS=all lets user/ scopes reach every patient', async (t) => {
  const app = await testApp(t, { USER_ACCESS: 'all' });
  await load(app, [{ resourceType: 'Patient', id: 'b' }, observation('ob', 'b')]);
  const doc = app.as(await app.token('user/*.rs', { fhirUser: 'Practitioner/doc' }));
  t.equal((await doc('GET', 'Observation/ob')).status, 200);
});
