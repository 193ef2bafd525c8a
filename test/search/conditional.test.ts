// The conditional interactions accept any search: If-None-Exist, conditional update, patch and
// delete resolve their criteria with the search engine, and refuse criteria it cannot apply.
import t from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';
import { loadFixtures } from './fixtures.js';
import { errorCode } from '../helpers/outcome.js';

let app: TestApp;

t.before(async () => {
  app = await testApp(t);
  await loadFixtures(app);
});

t.test('If-None-Exist with any parameters: one match answers 200 with it, none creates, several 412', async (t) => {
  const body = { resourceType: 'Patient', name: [{ family: 'Muñoz' }] };
  const existing = await app.fhir('POST', 'Patient', body, { 'if-none-exist': 'family=munoz&birthdate=1984-03-02' });
  t.equal(existing.status, 200);
  t.equal(existing.json.id, 'p1');
  const created = await app.fhir('POST', 'Patient', body, { 'if-none-exist': 'family=munoz&birthdate=1999' });
  t.equal(created.status, 201);
  const several = await app.fhir('POST', 'Patient', body, { 'if-none-exist': 'family=munoz' });
  t.equal(several.status, 412, 'now two Muñoz match');
  await app.fhir('DELETE', `Patient/${created.json.id}`);
});

t.test('conditional update through a chain and a token', async (t) => {
  const current = (await app.fhir('GET', 'Observation/o1')).json;
  const res = await app.fhir('PUT', 'Observation?subject:Patient.identifier=urn:sys-a|123&code=http://loinc.org|8867-4', {
    ...current,
    id: undefined,
    status: 'amended',
  });
  t.equal(res.status, 200);
  t.equal(res.json.id, 'o1');
  t.equal(res.json.status, 'amended');
  t.equal((await app.fhir('PUT', 'Observation?code=8867-4', { ...current, id: undefined })).status, 412, 'several matches');
});

t.test('conditional patch and delete by date and quantity', async (t) => {
  const patched = await app.fhir('PATCH', 'Observation?value-quantity=100.5&date=2026-03', [{ op: 'replace', path: '/status', value: 'final' }]);
  t.equal(patched.status, 200);
  t.equal(patched.json.id, 'o4');
  const removed = await app.fhir('DELETE', 'RiskAssessment?probability=gt0.6');
  t.equal(removed.status, 204);
  t.equal((await app.fhir('GET', 'RiskAssessment/r3')).status, 410);
});

t.test('criteria the engine cannot apply are refused, never ignored (that would widen the match)', async (t) => {
  const res = await app.fhir('DELETE', 'Patient?nonsense=1');
  t.equal(res.status, 400);
  t.equal(errorCode(res.json), 'invalid-criteria');
  const malformed = await app.fhir('DELETE', 'Patient?birthdate=notadate');
  t.equal(malformed.status, 400);
  t.equal(errorCode(malformed.json), 'invalid-search-value');
  t.equal((await app.fhir('GET', 'Patient/p1')).status, 200, 'nothing deleted');
});

t.test('an update re-indexes: the patient-keyed token rows follow a changed subject', async (t) => {
  const o1 = (await app.fhir('GET', 'Observation/o1')).json;
  await app.fhir('PUT', 'Observation/o1', { ...o1, subject: { reference: 'Patient/p2' } });
  const ids = async (q: string) => ((await app.fhir('GET', q)).json.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
  t.same(await ids('Observation?subject=Patient/p2&code=http://loinc.org|8867-4'), ['o1', 'o4']);
  t.same(await ids('Observation?subject=Patient/p1&code=http://loinc.org|8867-4'), []);
  t.same(await ids('Patient/p1/Observation?code=http://loinc.org|8867-4'), []);
  await app.fhir('DELETE', 'Observation/o1');
  t.same(await ids('Observation?subject=Patient/p2&code=http://loinc.org|8867-4'), ['o4'], 'and a delete removes them');
});
