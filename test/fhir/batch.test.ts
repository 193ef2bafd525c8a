// Batch Bundles: entries independent, each answered with its own status; device retries never
// duplicate a reading.
import t from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';

const DEVICE = 'urn:ietf:rfc:3986'; // identifier system for the reading ids the gateway assigns
const reading = (id: string, value: number, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  identifier: [{ system: DEVICE, value: `urn:uuid:${id}` }],
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
  subject: { reference: 'Patient/p' },
  effectiveDateTime: '2026-11-21T07:00:00Z',
  valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  ...extra,
});
const post = (resource: unknown, ifNoneExist?: string) => ({
  resource,
  request: { method: 'POST', url: 'Observation', ...(ifNoneExist ? { ifNoneExist } : {}) },
});
const batch = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'batch', entry });

async function observations(app: TestApp): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Observation' AND NOT deleted");
  return rows[0].n;
}

t.test('a batch with one bad entry stores the others, and answers each entry with its own status', async (t) => {
  const app = await testApp(t);
  const res = await app.fhir(
    'POST',
    '',
    batch([
      post(reading('aaaaaaaa-0000-4000-8000-000000000001', 97)),
      post(reading('aaaaaaaa-0000-4000-8000-000000000002', 96, { status: 'bogus' })),
      { request: { method: 'GET', url: 'Observation/does-not-exist' } },
      post(reading('aaaaaaaa-0000-4000-8000-000000000003', 95)),
      { request: { method: 'FETCH', url: 'Observation' } },
    ]),
  );
  t.equal(res.status, 200, 'a processed batch is 200 whatever its entries did');
  t.equal(res.json.type, 'batch-response');
  t.same(app.services.validator.validate(res.json), []);
  t.same(
    res.json.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3)),
    ['201', '422', '404', '201', '400'],
  );
  t.equal(res.json.entry[1].response.outcome.resourceType, 'OperationOutcome');
  t.equal(await observations(app), 2, 'the two good readings are stored');
});

t.test('a failing entry is undone alone: its partial work does not survive', async (t) => {
  const app = await testApp(t);
  await app.fhir('PUT', 'Patient/p', { resourceType: 'Patient', id: 'p' });
  const res = await app.fhir(
    'POST',
    '',
    batch([
      { resource: { resourceType: 'Patient', id: 'p', gender: 'female' }, request: { method: 'PUT', url: 'Patient/p', ifMatch: 'W/"1"' } },
      { resource: { resourceType: 'Patient', id: 'p', gender: 'male' }, request: { method: 'PUT', url: 'Patient/p', ifMatch: 'W/"1"' } },
    ]),
  );
  t.same(
    res.json.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3)),
    ['200', '412'],
  );
  const patient = (await app.fhir('GET', 'Patient/p')).json;
  t.equal(patient.gender, 'female');
  t.equal(patient.meta.versionId, '2');
});

t.test('device retries: a conditional create keyed on Observation.identifier never duplicates a reading', async (t) => {
  const app = await testApp(t);
  const burst = Array.from({ length: 10 }, (_, i) => {
    const id = `bbbbbbbb-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return post(reading(id, 90 + i), `identifier=${DEVICE}|urn:uuid:${id}`);
  });
  const first = await app.fhir('POST', '', batch(burst));
  t.ok(first.json.entry.every((e: { response: { status: string } }) => e.response.status.startsWith('201')));
  // The gateway did not see the answer and sends the same burst again, twice at once.
  const retries = await Promise.all([app.fhir('POST', '', batch(burst)), app.fhir('POST', '', batch(burst))]);
  for (const retry of retries)
    t.ok(
      retry.json.entry.every((e: { response: { status: string } }) => e.response.status.startsWith('200')),
      'each retry finds its readings',
    );
  t.equal(await observations(app), 10, 'still ten readings');
});

t.test('racing first uploads of the same readings also store each reading once', async (t) => {
  const app = await testApp(t);
  const burst = Array.from({ length: 5 }, (_, i) => {
    const id = `cccccccc-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return post(reading(id, 80 + i), `identifier=${DEVICE}|urn:uuid:${id}`);
  });
  await Promise.all([app.fhir('POST', '', batch(burst)), app.fhir('POST', '', batch(burst)), app.fhir('POST', '', batch(burst))]);
  t.equal(await observations(app), 5);
});

t.test('GET entries may search: each answered with its searchset Bundle', async (t) => {
  const app = await testApp(t);
  await app.fhir('PUT', 'Patient/p', { resourceType: 'Patient', id: 'p' });
  await app.fhir('POST', 'Observation', reading('dddddddd-0000-4000-8000-000000000001', 97));
  await app.fhir('POST', 'Observation', reading('dddddddd-0000-4000-8000-000000000002', 91));
  const res = await app.fhir(
    'POST',
    '',
    batch([
      { request: { method: 'GET', url: 'Observation?subject=Patient/p&value-quantity=gt95&_include=Observation:subject' } },
      { request: { method: 'GET', url: 'Observation?subject=Patient/nobody' } },
      { request: { method: 'GET', url: 'Observation?value-quantity=notanumber' } },
    ]),
  );
  t.equal(res.status, 200);
  t.same(app.services.validator.validate(res.json), [], 'the response, searchsets included, validates');
  const [found, none, bad] = res.json.entry;
  t.equal(found.response.status, '200 OK');
  t.equal(found.resource.type, 'searchset');
  t.same(
    found.resource.entry.map((e: { resource: { resourceType: string }; search: { mode: string } }) => `${e.search.mode}:${e.resource.resourceType}`),
    ['match:Observation', 'include:Patient'],
  );
  t.equal(none.resource.entry, undefined, 'an empty searchset');
  t.equal(bad.response.status.slice(0, 3), '400', 'a malformed search fails alone');
});
