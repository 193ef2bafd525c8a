// PATCH with JSON Patch: applied to the stored resource, then validated and versioned like an update.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

const observation = {
  resourceType: 'Observation',
  status: 'preliminary',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
};

t.test('a JSON Patch is applied and creates a new version', async (t) => {
  const { fhir, services } = await testApp(t);
  const { json } = await fhir('POST', 'Observation', observation);
  const res = await fhir('PATCH', `Observation/${json.id}`, [
    { op: 'replace', path: '/status', value: 'final' },
    { op: 'add', path: '/valueQuantity/value', value: 75 },
  ]);
  t.equal(res.status, 200);
  t.equal(res.json.status, 'final');
  t.equal(res.json.valueQuantity.value, 75);
  t.equal(res.json.meta.versionId, '2');
  t.equal(res.headers.etag, 'W/"2"');
  t.same(services.validator.validate(res.json), []);
  const history = await fhir('GET', `Observation/${json.id}/_history`);
  t.equal(history.json.entry[0].request.method, 'PATCH');
});

t.test('a patch whose result breaks the schema answers 422 and changes nothing', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Observation', observation);
  const res = await fhir('PATCH', `Observation/${json.id}`, [{ op: 'replace', path: '/status', value: 'not-a-status' }]);
  t.equal(res.status, 422);
  t.same(res.json.issue[0].expression, ['Observation.status']);
  const removeRequired = await fhir('PATCH', `Observation/${json.id}`, [{ op: 'remove', path: '/code' }]);
  t.equal(removeRequired.status, 422);
  t.equal((await fhir('GET', `Observation/${json.id}`)).json.meta.versionId, '1');
});

t.test('a malformed patch document answers 400; a failing test op or a missing path 422', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Observation', observation);
  t.equal((await fhir('PATCH', `Observation/${json.id}`, { op: 'replace' })).status, 400, 'not an array');
  t.equal((await fhir('PATCH', `Observation/${json.id}`, [])).status, 400, 'no operations');
  t.equal((await fhir('PATCH', `Observation/${json.id}`, [{ op: 'frobnicate', path: '/status' }])).status, 400, 'unknown op');
  t.equal((await fhir('PATCH', `Observation/${json.id}`, [{ op: 'test', path: '/status', value: 'final' }])).status, 422, 'test fails');
  t.equal((await fhir('PATCH', `Observation/${json.id}`, [{ op: 'remove', path: '/nothing/here' }])).status, 422, 'path missing');
  t.equal((await fhir('PATCH', `Observation/${json.id}`, [{ op: 'replace', path: '/id', value: 'other' }])).status, 422, 'id may not change');
  t.equal(
    (await fhir('PATCH', `Observation/${json.id}`, [{ op: 'add', path: '/__proto__/polluted', value: 1 }])).status,
    400,
    'prototype pollution is refused',
  );
  t.equal(({} as Record<string, unknown>).polluted, undefined);
  t.equal((await fhir('GET', `Observation/${json.id}`)).json.meta.versionId, '1');
});

t.test('PATCH honours If-Match, answers 404 for unknown and 410 for deleted resources', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Observation', observation);
  const op = [{ op: 'replace', path: '/status', value: 'final' }];
  t.equal((await fhir('PATCH', `Observation/${json.id}`, op, { 'if-match': 'W/"9"' })).status, 412);
  t.equal((await fhir('PATCH', `Observation/${json.id}`, op, { 'if-match': 'W/"1"' })).status, 200);
  t.equal((await fhir('PATCH', 'Observation/unknown', op)).status, 404);
  await fhir('DELETE', `Observation/${json.id}`);
  t.equal((await fhir('PATCH', `Observation/${json.id}`, op)).status, 410);
});

t.test('PATCH accepts only application/json-patch+json (415 otherwise)', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Observation', observation);
  const res = await fhir('PATCH', `Observation/${json.id}`, [{ op: 'replace', path: '/status', value: 'final' }], {
    'content-type': 'application/fhir+json',
  });
  t.equal(res.status, 415);
  t.equal(errorCode(res.json), 'unsupported-media-type');
});

t.test('narrative stays safe: stale generated narrative is dropped, hand-written narrative must be patched with the data', async (t) => {
  const { fhir } = await testApp(t);
  const div = '<div xmlns="http://www.w3.org/1999/xhtml">Heart rate 72/min</div>';
  const generated = await fhir('POST', 'Observation', { ...observation, text: { status: 'generated', div } });
  const patched = await fhir('PATCH', `Observation/${generated.json.id}`, [{ op: 'replace', path: '/valueQuantity/value', value: 90 }]);
  t.equal(patched.status, 200);
  t.equal(patched.json.text, undefined, 'generated narrative that no longer matches the data is removed');

  const additional = await fhir('POST', 'Observation', { ...observation, text: { status: 'additional', div } });
  const refused = await fhir('PATCH', `Observation/${additional.json.id}`, [{ op: 'replace', path: '/valueQuantity/value', value: 90 }]);
  t.equal(refused.status, 422);
  const together = await fhir('PATCH', `Observation/${additional.json.id}`, [
    { op: 'replace', path: '/valueQuantity/value', value: 90 },
    { op: 'replace', path: '/text/div', value: '<div xmlns="http://www.w3.org/1999/xhtml">Heart rate 90/min</div>' },
  ]);
  t.equal(together.status, 200);
  t.match(together.json.text.div, /90/);
});
