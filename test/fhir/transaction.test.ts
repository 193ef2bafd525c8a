// Transaction Bundles: all or nothing, FHIR's processing order, fullUrl and conditional references.
import t from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

const MRN = 'urn:oid:2.16.840.1.113883.19.5';

const vital = (value: number, subject = 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a', extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: subject },
  effectiveDateTime: '2026-11-20T08:00:00Z',
  valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  ...extra,
});

const transaction = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });

async function count(app: TestApp, type: string): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource WHERE resource_type = $1 AND NOT deleted', [type]);
  return rows[0].n;
}

t.test('a transaction creates a patient and observations that refer to it by urn:uuid', async (t) => {
  const app = await testApp(t);
  const patientUrl = 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a';
  const res = await app.fhir(
    'POST',
    '',
    transaction([
      { fullUrl: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0', resource: vital(72), request: { method: 'POST', url: 'Observation' } },
      {
        fullUrl: patientUrl,
        resource: {
          resourceType: 'Patient',
          identifier: [{ system: MRN, value: '12345' }],
          link: [{ other: { reference: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0' }, type: 'seealso' }],
          text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><a href="${patientUrl}">self</a></div>` },
        },
        request: { method: 'POST', url: 'Patient' },
      },
    ]),
  );
  t.equal(res.status, 200);
  t.equal(res.json.type, 'transaction-response');
  t.same(app.services.validator.validate(res.json), [], 'the response validates against R4');
  const [obsEntry, patientEntry] = res.json.entry;
  t.equal(obsEntry.response.status, '201 Created');
  t.match(obsEntry.response.location, /^Observation\/[0-9a-f-]{36}\/_history\/1$/);
  t.equal(obsEntry.response.etag, 'W/"1"');
  t.ok(obsEntry.response.lastModified);
  const patientId = patientEntry.resource.id;
  const observation = (await app.fhir('GET', `Observation/${obsEntry.resource.id}`)).json;
  t.equal(observation.subject.reference, `Patient/${patientId}`, 'the reference was rewritten to the assigned id');
  const patient = (await app.fhir('GET', `Patient/${patientId}`)).json;
  t.equal(patient.link[0].other.reference, `Observation/${observation.id}`, 'references in both directions (circular) are fine');
  t.match(patient.text.div, `href="Patient/${patientId}"`, 'narrative links are rewritten too');
});

t.test('a transaction whose 7th of 10 entries is invalid stores nothing and names the entry', async (t) => {
  const app = await testApp(t);
  const entries = Array.from({ length: 10 }, (_, i) => ({
    resource: i === 6 ? vital(70 + i, 'Patient/x', { status: 'not-a-status' }) : vital(70 + i, 'Patient/x'),
    request: { method: 'POST', url: 'Observation' },
  }));
  const res = await app.fhir('POST', '', transaction(entries));
  t.equal(res.status, 422);
  t.equal(res.json.resourceType, 'OperationOutcome');
  t.equal(errorCode(res.json), 'invalid-resource');
  t.same(res.json.issue[0].expression, ['Bundle.entry[6].resource.status']);
  t.equal(await count(app, 'Observation'), 0, 'nothing stored');
  const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource_history');
  t.equal(rows[0].n, 0, 'no history either');
});

t.test('a failure in a later step rolls back what earlier entries wrote', async (t) => {
  const app = await testApp(t);
  await app.fhir('PUT', 'Patient/p1', { resourceType: 'Patient', id: 'p1' });
  const res = await app.fhir(
    'POST',
    '',
    transaction([
      { resource: vital(80, 'Patient/p1'), request: { method: 'POST', url: 'Observation' } },
      { resource: { resourceType: 'Patient', id: 'p1', gender: 'male' }, request: { method: 'PUT', url: 'Patient/p1', ifMatch: 'W/"7"' } },
    ]),
  );
  t.equal(res.status, 412, 'the failing entry decides the status');
  t.equal(errorCode(res.json), 'version-conflict');
  t.same(res.json.issue[0].expression, ['Bundle.entry[1]'], 'entry 1 is the one refused');
  t.equal(await count(app, 'Observation'), 0, 'the POST of entry 0 was rolled back');
  t.equal((await app.fhir('GET', 'Patient/p1')).json.gender, undefined);
});

t.test('processing order: DELETE, then POST, then PUT, then GET; responses in request order', async (t) => {
  const app = await testApp(t);
  await app.fhir('PUT', 'Patient/old', { resourceType: 'Patient', id: 'old' });
  await app.fhir('PUT', 'Patient/keep', { resourceType: 'Patient', id: 'keep' });
  const res = await app.fhir(
    'POST',
    '',
    transaction([
      { request: { method: 'GET', url: 'Patient/keep' } },
      { resource: { resourceType: 'Patient', id: 'keep', gender: 'female' }, request: { method: 'PUT', url: 'Patient/keep' } },
      { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      { request: { method: 'DELETE', url: 'Patient/old' } },
    ]),
  );
  t.equal(res.status, 200);
  t.same(
    res.json.entry.map((e: { response: { status: string } }) => e.response.status),
    ['200 OK', '200 OK', '201 Created', '204 No Content'],
  );
  t.equal(res.json.entry[0].resource.gender, 'female', 'the GET ran after the PUT');
  t.equal((await app.fhir('GET', 'Patient/old')).status, 410);
});

t.test('conditional create, update and delete inside a transaction', async (t) => {
  const app = await testApp(t);
  const existing = await app.fhir('POST', 'Patient', { resourceType: 'Patient', identifier: [{ system: MRN, value: 'A' }] });
  await app.fhir('POST', 'Patient', { resourceType: 'Patient', identifier: [{ system: MRN, value: 'gone' }] });
  const res = await app.fhir(
    'POST',
    '',
    transaction([
      {
        fullUrl: 'urn:uuid:1e0a5d0e-6f55-4f2f-9b43-7c0d8a1a8a01',
        resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'A' }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|A` },
      },
      { resource: vital(90, 'urn:uuid:1e0a5d0e-6f55-4f2f-9b43-7c0d8a1a8a01'), request: { method: 'POST', url: 'Observation' } },
      {
        resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'B' }], gender: 'male' },
        request: { method: 'PUT', url: `Patient?identifier=${MRN}|B` },
      },
      { request: { method: 'DELETE', url: `Patient?identifier=${MRN}|gone` } },
    ]),
  );
  t.equal(res.status, 200);
  t.equal(res.json.entry[0].response.status, '200 OK', 'the existing patient matched');
  t.equal(res.json.entry[0].resource.id, existing.json.id);
  const observation = (await app.fhir('GET', res.json.entry[1].response.location.replace(/\/_history\/\d+$/, ''))).json;
  t.equal(observation.subject.reference, `Patient/${existing.json.id}`, 'a reference to a matched fullUrl points at the existing resource');
  t.equal(res.json.entry[2].response.status, '201 Created');
  t.equal(res.json.entry[3].response.status, '204 No Content');
  t.equal(await count(app, 'Patient'), 2, 'A and B remain');
});

t.test('conditional references resolve to their one match; none is 404, several are 412', async (t) => {
  const app = await testApp(t);
  const patient = await app.fhir('POST', 'Patient', { resourceType: 'Patient', identifier: [{ system: MRN, value: 'ref' }] });
  const ok = await app.fhir(
    'POST',
    '',
    transaction([{ resource: vital(60, `Patient?identifier=${MRN}|ref`), request: { method: 'POST', url: 'Observation' } }]),
  );
  t.equal(ok.status, 200);
  t.equal(ok.json.entry[0].resource.subject.reference, `Patient/${patient.json.id}`);
  const none = await app.fhir(
    'POST',
    '',
    transaction([{ resource: vital(60, `Patient?identifier=${MRN}|nobody`), request: { method: 'POST', url: 'Observation' } }]),
  );
  t.equal(none.status, 404);
  await app.fhir('POST', 'Patient', { resourceType: 'Patient', identifier: [{ system: MRN, value: 'ref' }] });
  const several = await app.fhir(
    'POST',
    '',
    transaction([{ resource: vital(60, `Patient?identifier=${MRN}|ref`), request: { method: 'POST', url: 'Observation' } }]),
  );
  t.equal(several.status, 412);
  t.equal(await count(app, 'Observation'), 1);
});

t.test('two concurrent transactions conditionally creating one Patient leave exactly one, and both refer to it', async (t) => {
  const app = await testApp(t);
  const bundle = (value: number) =>
    transaction([
      {
        fullUrl: 'urn:uuid:5a7f7a3e-2f4b-4a55-9d55-4f1e7d6f0b11',
        resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'race' }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|race` },
      },
      { resource: vital(value, 'urn:uuid:5a7f7a3e-2f4b-4a55-9d55-4f1e7d6f0b11'), request: { method: 'POST', url: 'Observation' } },
    ]);
  const answers = await Promise.all([app.fhir('POST', '', bundle(61)), app.fhir('POST', '', bundle(62)), app.fhir('POST', '', bundle(63))]);
  t.same(
    answers.map((a) => a.status),
    [200, 200, 200],
  );
  t.equal(await count(app, 'Patient'), 1, 'one Patient');
  const patientIds = new Set(answers.map((a) => a.json.entry[0].resource.id));
  t.equal(patientIds.size, 1);
  const subjects = new Set(answers.map((a) => a.json.entry[1].resource.subject.reference));
  t.same([...subjects], [`Patient/${[...patientIds][0]}`], 'every observation refers to that Patient');
});

t.test('a resource may be changed only once per transaction', async (t) => {
  const app = await testApp(t);
  await app.fhir('PUT', 'Patient/twice', { resourceType: 'Patient', id: 'twice' });
  const res = await app.fhir(
    'POST',
    '',
    transaction([
      { request: { method: 'DELETE', url: 'Patient/twice' } },
      { resource: { resourceType: 'Patient', id: 'twice' }, request: { method: 'PUT', url: 'Patient/twice' } },
    ]),
  );
  t.equal(res.status, 400);
  t.equal((await app.fhir('GET', 'Patient/twice')).status, 200, 'nothing happened');
});

t.test('PATCH inside a transaction carries a JSON Patch in a Binary', async (t) => {
  const app = await testApp(t);
  await app.fhir('PUT', 'Patient/pp', { resourceType: 'Patient', id: 'pp' });
  const patch = Buffer.from(JSON.stringify([{ op: 'add', path: '/gender', value: 'other' }])).toString('base64');
  const res = await app.fhir(
    'POST',
    '',
    transaction([
      { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch }, request: { method: 'PATCH', url: 'Patient/pp' } },
    ]),
  );
  t.equal(res.status, 200);
  t.equal((await app.fhir('GET', 'Patient/pp')).json.gender, 'other');
});

t.test('limits and shape: empty Bundles are fine; too many entries 413; wrong type 400; Prefer: return=minimal', async (t) => {
  const app = await testApp(t, { BUNDLE_MAX_ENTRIES: '3' });
  const empty = await app.fhir('POST', '', { resourceType: 'Bundle', type: 'transaction' });
  t.equal(empty.status, 200);
  t.equal(empty.json.entry, undefined);
  const tooMany = await app.fhir(
    'POST',
    '',
    transaction(Array.from({ length: 4 }, () => ({ resource: vital(1, 'Patient/x'), request: { method: 'POST', url: 'Observation' } }))),
  );
  t.equal(tooMany.status, 413);
  t.equal((await app.fhir('POST', '', { resourceType: 'Bundle', type: 'collection' })).status, 400);
  t.equal((await app.fhir('POST', '', { resourceType: 'Patient' })).status, 400);
  t.equal((await app.fhir('POST', '', transaction([{ resource: { resourceType: 'Patient' } }]))).status, 400, 'an entry without request');
  t.equal((await app.fhir('POST', '', transaction([{ request: { method: 'POST', url: 'Nope' }, resource: { resourceType: 'Patient' } }]))).status, 404);
  t.equal(
    (
      await app.fhir(
        'POST',
        '',
        transaction([{ request: { method: 'POST', url: 'http://elsewhere.example/fhir/Patient' }, resource: { resourceType: 'Patient' } }]),
      )
    ).status,
    400,
    'an absolute URL of another server',
  );
  const minimal = await app.fhir('POST', '', transaction([{ resource: vital(1, 'Patient/x'), request: { method: 'POST', url: 'Observation' } }]), {
    prefer: 'return=minimal',
  });
  t.equal(minimal.json.entry[0].resource, undefined);
  t.match(minimal.json.entry[0].response.location, /^Observation\//);
});

t.test('every entry of a transaction leaves its history row in the same transaction', async (t) => {
  const app = await testApp(t);
  const res = await app.fhir(
    'POST',
    '',
    transaction(Array.from({ length: 5 }, (_, i) => ({ resource: vital(60 + i, 'Patient/x'), request: { method: 'POST', url: 'Observation' } }))),
  );
  t.equal(res.status, 200);
  const { rows } = await app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM resource_history WHERE resource_type = 'Observation' AND method = 'POST'");
  t.equal(rows[0].n, 5);
});
