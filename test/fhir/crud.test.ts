// read, vread, create, update, delete through HTTP, as FHIR R4 http.html defines them.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

const patient = { resourceType: 'Patient', name: [{ family: 'Rivera', given: ['Ana'] }], gender: 'female', birthDate: '1984-03-02' };

t.test('create assigns id, versionId 1 and lastUpdated, and answers 201 with Location, ETag and Last-Modified', async (t) => {
  const { fhir, services } = await testApp(t);
  const res = await fhir('POST', 'Patient', { ...patient, id: 'client-chosen', meta: { versionId: '7', lastUpdated: '2001-01-01T00:00:00Z' } });
  t.equal(res.status, 201);
  t.not(res.json.id, 'client-chosen', 'the body id is ignored on create');
  t.match(res.json.id, /^[0-9a-f-]{36}$/);
  t.equal(res.json.meta.versionId, '1');
  t.not(res.json.meta.lastUpdated, '2001-01-01T00:00:00Z');
  t.equal(res.headers.etag, 'W/"1"');
  t.equal(res.headers.location, `http://haven.test/fhir/Patient/${res.json.id}/_history/1`);
  t.equal(res.headers['last-modified'], new Date(res.json.meta.lastUpdated).toUTCString());
  t.match(res.headers['content-type'], /^application\/fhir\+json/);
  t.same(services.validator.validate(res.json), [], 'the answer validates against the R4 schema');
});

t.test('read returns the stored resource with ETag and Last-Modified; unknown ids answer 404', async (t) => {
  const { fhir } = await testApp(t);
  const created = await fhir('POST', 'Patient', patient);
  const read = await fhir('GET', `Patient/${created.json.id}`);
  t.equal(read.status, 200);
  t.equal(read.body, created.body, 'the same JSON text that was stored');
  t.equal(read.headers.etag, 'W/"1"');
  t.ok(read.headers['last-modified']);
  const missing = await fhir('GET', 'Patient/does-not-exist');
  t.equal(missing.status, 404);
  t.equal(missing.json.resourceType, 'OperationOutcome');
  t.equal((await fhir('GET', 'Nonsense/1')).status, 404, 'an unknown resource type answers 404');
  t.equal((await fhir('GET', 'Patient/bad$id')).status, 400, 'an id outside FHIR id syntax answers 400');
});

t.test('HEAD answers like GET without a body', async (t) => {
  const { fhir } = await testApp(t);
  const created = await fhir('POST', 'Patient', patient);
  const head = await fhir('HEAD', `Patient/${created.json.id}`);
  t.equal(head.status, 200);
  t.equal(head.body, '');
  t.equal(head.headers.etag, 'W/"1"');
});

t.test('conditional read answers 304 for a matching If-None-Match or an unchanged If-Modified-Since', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Patient', patient);
  t.equal((await fhir('GET', `Patient/${json.id}`, undefined, { 'if-none-match': 'W/"1"' })).status, 304);
  t.equal((await fhir('GET', `Patient/${json.id}`, undefined, { 'if-none-match': 'W/"2"' })).status, 200);
  const later = new Date(Date.parse(json.meta.lastUpdated) + 5000).toUTCString();
  t.equal((await fhir('GET', `Patient/${json.id}`, undefined, { 'if-modified-since': later })).status, 304);
  const earlier = new Date(Date.parse(json.meta.lastUpdated) - 5000).toUTCString();
  t.equal((await fhir('GET', `Patient/${json.id}`, undefined, { 'if-modified-since': earlier })).status, 200);
});

t.test('update replaces the resource, increments the version, and keeps the old one for vread', async (t) => {
  const { fhir, services } = await testApp(t);
  const { json: v1 } = await fhir('POST', 'Patient', patient);
  const res = await fhir('PUT', `Patient/${v1.id}`, { ...v1, gender: 'other' });
  t.equal(res.status, 200);
  t.equal(res.json.meta.versionId, '2');
  t.equal(res.headers.etag, 'W/"2"');
  t.same(services.validator.validate(res.json), []);
  t.equal((await fhir('GET', `Patient/${v1.id}`)).json.gender, 'other');
  const old = await fhir('GET', `Patient/${v1.id}/_history/1`);
  t.equal(old.status, 200);
  t.equal(old.json.gender, 'female');
  t.equal(old.json.meta.versionId, '1');
  t.equal(old.headers.etag, 'W/"1"');
  t.equal((await fhir('GET', `Patient/${v1.id}/_history/3`)).status, 404, 'an unknown version answers 404');
  t.equal((await fhir('GET', `Patient/${v1.id}/_history/x`)).status, 404);
});

t.test('update-as-create with a client id answers 201 with Location', async (t) => {
  const { fhir } = await testApp(t);
  const res = await fhir('PUT', 'Patient/ana-1', { ...patient, id: 'ana-1' });
  t.equal(res.status, 201);
  t.equal(res.json.id, 'ana-1');
  t.equal(res.json.meta.versionId, '1');
  t.equal(res.headers.location, 'http://haven.test/fhir/Patient/ana-1/_history/1');
});

t.test('update needs the body id to equal the URL id (400) and the body type to equal the URL type (400)', async (t) => {
  const { fhir } = await testApp(t);
  t.equal((await fhir('PUT', 'Patient/a', { ...patient })).status, 400, 'missing id');
  t.equal((await fhir('PUT', 'Patient/a', { ...patient, id: 'b' })).status, 400, 'different id');
  const wrongType = await fhir('PUT', 'Patient/a', { resourceType: 'Observation', id: 'a', status: 'final', code: { text: 'x' } });
  t.equal(wrongType.status, 400);
  t.equal(errorCode(wrongType.json), 'type-mismatch');
  t.equal((await fhir('GET', 'Patient/a')).status, 404, 'nothing stored');
});

t.test('If-Match: a stale version answers 412, the current one succeeds', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Patient', patient);
  const stale = await fhir('PUT', `Patient/${json.id}`, { ...json, gender: 'male' }, { 'if-match': 'W/"0"' });
  t.equal(stale.status, 412);
  t.equal(stale.json.resourceType, 'OperationOutcome');
  const ok = await fhir('PUT', `Patient/${json.id}`, { ...json, gender: 'male' }, { 'if-match': 'W/"1"' });
  t.equal(ok.status, 200);
  t.equal(ok.json.meta.versionId, '2');
  t.equal((await fhir('PUT', `Patient/${json.id}`, { ...json }, { 'if-match': 'W/"1"' })).status, 412, 'version 1 is stale now');
  t.equal((await fhir('PUT', `Patient/${json.id}`, { ...json }, { 'if-match': 'nonsense' })).status, 400, 'a malformed If-Match is 400');
  t.equal((await fhir('DELETE', `Patient/${json.id}`, undefined, { 'if-match': 'W/"1"' })).status, 412, 'delete honours If-Match');
  t.equal((await fhir('GET', `Patient/${json.id}`)).json.meta.versionId, '2');
});

t.test('delete: then read answers 410, history keeps every version, and a PUT brings it back with 201', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Patient', patient);
  const del = await fhir('DELETE', `Patient/${json.id}`);
  t.equal(del.status, 204);
  t.equal(del.headers.etag, 'W/"2"');
  const gone = await fhir('GET', `Patient/${json.id}`);
  t.equal(gone.status, 410);
  t.equal(gone.json.issue[0].code, 'deleted');
  t.equal((await fhir('GET', `Patient/${json.id}/_history/2`)).status, 410, 'vread of the deletion answers 410');
  t.equal((await fhir('GET', `Patient/${json.id}/_history/1`)).status, 200, 'older versions stay readable');
  t.equal((await fhir('DELETE', `Patient/${json.id}`)).status, 204, 'deleting again is fine');
  t.equal((await fhir('DELETE', 'Patient/never-existed')).status, 204, 'deleting the unknown is fine');
  const history = await fhir('GET', `Patient/${json.id}/_history`);
  t.same(
    history.json.entry.map((e: { request: { method: string } }) => e.request.method),
    ['DELETE', 'POST'],
  );
  const back = await fhir('PUT', `Patient/${json.id}`, { ...patient, id: json.id });
  t.equal(back.status, 201, 'bringing a deleted resource back is a create');
  t.equal(back.json.meta.versionId, '3');
  t.equal((await fhir('GET', `Patient/${json.id}`)).status, 200);
});

t.test('Prefer: return=minimal, representation and OperationOutcome', async (t) => {
  const { fhir } = await testApp(t);
  const minimal = await fhir('POST', 'Patient', patient, { prefer: 'return=minimal' });
  t.equal(minimal.status, 201);
  t.equal(minimal.body, '');
  t.ok(minimal.headers.location);
  const representation = await fhir('POST', 'Patient', patient, { prefer: 'return=representation' });
  t.equal(representation.json.resourceType, 'Patient');
  const outcome = await fhir('POST', 'Patient', patient, { prefer: 'return=OperationOutcome' });
  t.equal(outcome.status, 201);
  t.equal(outcome.json.resourceType, 'OperationOutcome');
  t.equal(outcome.json.issue[0].severity, 'information');
  const del = await fhir('DELETE', `Patient/${representation.json.id}`, undefined, { prefer: 'return=OperationOutcome' });
  t.equal(del.status, 200);
  t.equal(del.json.resourceType, 'OperationOutcome');
});

t.test('unsupported methods on known paths answer 405', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Patient', patient);
  t.equal((await fhir('POST', `Patient/${json.id}`, patient)).status, 405);
  t.equal((await fhir('DELETE', `Patient/${json.id}/_history/1`)).status, 405);
});
