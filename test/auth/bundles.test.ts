// Bundles have no scopes of their own: each entry is authorized as a request of its own, and a
// patient/ token for A reaches nothing of B through a batch or a transaction.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

const observation = (patient: string, id?: string) => ({
  resourceType: 'Observation',
  ...(id ? { id } : {}),
  status: 'final',
  code: { text: 'heart rate' },
  subject: { reference: `Patient/${patient}` },
});
const transaction = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });
const batch = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'batch', entry });

t.test('Bundles under a patient/ token for A', async (t) => {
  const app = await testApp(t);
  for (const body of [
    { resourceType: 'Patient', id: 'a', identifier: [{ system: 'urn:mrn', value: 'A' }] },
    { resourceType: 'Patient', id: 'b', identifier: [{ system: 'urn:mrn', value: 'B' }] },
    observation('a', 'oa'),
    observation('b', 'ob'),
  ]) {
    t.equal((await app.fhir('PUT', `${body.resourceType}/${body.id}`, body)).status, 201);
  }
  const count = async () => (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource')).rows[0].n;
  const before = await count();
  const fhir = app.as(await app.token('patient/*.cruds', { patient: 'a' }));

  t.test('a transaction writing into B is refused whole, nothing stored', async (t) => {
    const res = await fhir(
      'POST',
      '',
      transaction([
        { resource: observation('a'), request: { method: 'POST', url: 'Observation' } },
        { resource: observation('b'), request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    t.equal(res.status, 403);
    t.equal(errorCode(res.json), 'outside-compartment');
    t.same(res.json.issue[0].expression, ['Bundle.entry[1]'], 'the entry into B is the one refused');
    t.equal(await count(), before);
  });

  t.test('a transaction may not read or delete B', async (t) => {
    const read = await fhir('POST', '', transaction([{ request: { method: 'GET', url: 'Observation/ob' } }]));
    t.equal(read.status, 404);
    t.notMatch(read.body, /"ob"|Patient\/b/);
    const del = await fhir('POST', '', transaction([{ request: { method: 'DELETE', url: 'Observation/ob' } }]));
    const unknown = await fhir('POST', '', transaction([{ request: { method: 'DELETE', url: 'Observation/no-such' } }]));
    t.equal(del.status, unknown.status, 'a DELETE of B answers as one of an unknown id');
    t.equal((await app.fhir('GET', 'Observation/ob')).status, 200, 'B is untouched');
  });

  t.test('a conditional reference cannot find B', async (t) => {
    const res = await fhir(
      'POST',
      '',
      transaction([
        { resource: { ...observation('a'), subject: { reference: 'Patient?identifier=urn:mrn|B' } }, request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    t.equal(res.status, 404, 'B is not a match for A');
    t.equal(await count(), before);
  });

  t.test('a batch answers each entry as its own request: A works, B is 404 or 403', async (t) => {
    const res = await fhir(
      'POST',
      '',
      batch([
        { request: { method: 'GET', url: 'Observation/oa' } },
        { request: { method: 'GET', url: 'Observation/ob' } },
        { resource: observation('a'), request: { method: 'POST', url: 'Observation' } },
        { resource: observation('b'), request: { method: 'POST', url: 'Observation' } },
        { request: { method: 'GET', url: 'Patient/b/_history/1' } },
      ]),
    );
    t.equal(res.status, 200);
    t.same(
      res.json.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3)),
      ['200', '404', '201', '403', '404'],
    );
    t.notMatch(JSON.stringify(res.json.entry[1]) + JSON.stringify(res.json.entry[4]), /"ob"|"id":"b"/);
    t.equal(await count(), before + 1, 'only the Observation of A was stored');
  });

  t.test('each entry needs its own scope letter', async (t) => {
    const createOnly = app.as(await app.token('patient/Observation.c', { patient: 'a' }));
    const res = await createOnly(
      'POST',
      '',
      batch([{ resource: observation('a'), request: { method: 'POST', url: 'Observation' } }, { request: { method: 'GET', url: 'Observation/oa' } }]),
    );
    t.same(
      res.json.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3)),
      ['201', '403'],
    );
  });

  t.test('no token, no Bundle', async (t) => {
    t.equal((await app.as(undefined)('POST', '', batch([{ request: { method: 'GET', url: 'Observation/oa' } }]))).status, 401);
  });
});

t.test('a search inside a Bundle under a patient/ token finds nothing of B, not even through _include', async (t) => {
  const app = await testApp(t);
  for (const body of [
    { resourceType: 'Patient', id: 'a' },
    { resourceType: 'Patient', id: 'b' },
    observation('a', 'oa'),
    observation('b', 'ob'),
    {
      resourceType: 'Observation',
      id: 'oab',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/a' },
      performer: [{ reference: 'Patient/b' }],
    },
  ]) {
    await app.fhir('PUT', `${body.resourceType}/${body.id}`, body);
  }
  const fhir = app.as(await app.token('patient/*.rs', { patient: 'a' }));
  const res = await fhir(
    'POST',
    '',
    batch([
      { request: { method: 'GET', url: 'Observation?_include=Observation:performer&_include=Observation:subject' } },
      { request: { method: 'GET', url: 'Observation?subject=Patient/b' } },
      { request: { method: 'GET', url: 'Patient?_revinclude=Observation:subject&_summary=count' } },
    ]),
  );
  t.equal(res.status, 200);
  const ids = (bundle: { entry?: Array<{ resource: { resourceType: string; id: string } }> }) =>
    (bundle.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();
  t.same(ids(res.json.entry[0].resource), ['Observation/oa', 'Observation/oab', 'Patient/a'], 'A, and nothing of B through _include');
  t.same(ids(res.json.entry[1].resource), [], "a search for B's data finds none");
  t.equal(res.json.entry[2].resource.total, 1, 'counts only A');
  t.notMatch(res.body, /"id":"(b|ob)"/);
});
