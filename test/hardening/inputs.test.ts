// Inputs that broke main (issue 13): deep nesting, NUL characters, an empty body with a JSON
// content type, Unicode spaces in strings. Each a 4xx OperationOutcome (or accepted), nothing
// stored when refused, and the server goes on serving.
import t, { type Test } from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';
import { apiClient, createPatients } from '../api/helpers.js';
import { errorCode } from '../helpers/outcome.js';

async function storedCount(app: TestApp): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>('SELECT (SELECT count(*) FROM resource) + (SELECT count(*) FROM resource_history) AS n');
  return Number(rows[0].n);
}

function isOutcome(t: Test, json: { resourceType?: string; issue?: Array<{ diagnostics?: string }> }, message?: string): void {
  t.equal(json?.resourceType, 'OperationOutcome', message ?? 'an OperationOutcome');
  t.ok(json?.issue?.[0]?.diagnostics, 'the issue says what is wrong');
}

t.test('hardening inputs', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  const api = apiClient(app);

  t.test('a body nested 100,000 levels deep answers 400, on FHIR and /api/v1, and the server goes on', async (t) => {
    const before = await storedCount(app);
    for (const deep of [
      '['.repeat(100000) + ']'.repeat(100000),
      `{"resourceType":"Patient","extension":${'['.repeat(100000)}${']'.repeat(100000)}}`,
      '{"a":'.repeat(100000) + '1' + '}'.repeat(100000),
    ]) {
      const res = await app.fhir('POST', 'Patient', deep);
      t.equal(res.status, 400);
      isOutcome(t, res.json);
      t.equal(errorCode(res.json), 'nested-too-deep', 'refused by the depth bound, not as JSON that failed to parse');
      const bundle = await app.fhir('POST', '', deep);
      t.equal(bundle.status, 400);
      const viaApi = await api('POST', 'p1/mood-entries', deep);
      t.equal(viaApi.status, 400);
    }
    const patch = await app.fhir('PATCH', 'Patient/p1', `[{"op":"add","path":"/extension","value":${'['.repeat(50000)}${']'.repeat(50000)}}]`);
    t.equal(patch.status, 400);
    t.equal(await storedCount(app), before, 'nothing stored');
    t.equal((await app.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    t.equal((await app.fhir('GET', 'Patient/p1')).status, 200);
  });

  t.test('a reasonably nested resource is still accepted', async (t) => {
    let item: Record<string, unknown> = { linkId: 'leaf', type: 'display', text: 'x' };
    for (let i = 0; i < 20; i++) item = { linkId: `g${i}`, type: 'group', item: [item] };
    const res = await app.fhir('POST', 'Questionnaire', { resourceType: 'Questionnaire', status: 'active', item: [item] });
    t.equal(res.status, 201, res.body.slice(0, 300));
  });

  t.test('NUL in a string answers 400 naming the element, on every write path, nothing stored', async (t) => {
    const before = await storedCount(app);
    const nulPatient = '{"resourceType":"Patient","name":[{"family":"a\\u0000b"}]}';
    let res = await app.fhir('POST', 'Patient', nulPatient);
    t.equal(res.status, 400, 'create');
    t.same(res.json.issue[0].expression, ['Patient.name[0].family']);
    res = await app.fhir('PUT', 'Patient/p1', '{"resourceType":"Patient","id":"p1","name":[{"family":"a\\u0000b"}]}');
    t.equal(res.status, 400, 'update');
    res = await app.fhir('POST', 'Patient', '{"resourceType":"Patient","name":[{"fam\\u0000ily":"x"}]}');
    t.equal(res.status, 400, 'a key with NUL');
    t.equal(errorCode(res.json), 'nul-character');
    res = await app.fhir('PATCH', 'Patient/p1', '[{"op":"add","path":"/name","value":[{"family":"a\\u0000b"}]}]');
    t.equal(res.status, 400, 'patch');
    const bundle = (type: string) =>
      `{"resourceType":"Bundle","type":"${type}","entry":[{"resource":${nulPatient},"request":{"method":"POST","url":"Patient"}}]}`;
    res = await app.fhir('POST', '', bundle('transaction'));
    t.equal(res.status, 400, 'transaction');
    res = await app.fhir('POST', '', bundle('batch'));
    t.equal(res.status, 400, 'batch (the body itself is refused)');
    const patchData = Buffer.from('[{"op":"add","path":"/name","value":[{"family":"a\\u0000b"}]}]').toString('base64');
    res = await app.fhir('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patchData }, request: { method: 'PATCH', url: 'Patient/p1' } },
      ],
    });
    t.equal(res.status, 400, 'a PATCH entry of a transaction');
    t.equal(errorCode(res.json), 'nul-character');
    res = await api('POST', 'p1/mood-entries', '{"recordedAt":"2024-05-01T08:00:00Z","overallMood":5,"notes":"a\\u0000b"}');
    t.equal(res.status, 400, '/api/v1');
    t.equal(errorCode(res.json), 'nul-character');
    t.match(res.json.issue[0].expression, [/notes/], 'naming the field');
    t.equal(await storedCount(app), before, 'nothing stored');
    res = await app.fhir('POST', 'Patient', '{"resourceType":"Patient","name":[{"family":"back\\\\u0000slash"}]}');
    t.equal(res.status, 201, 'an escaped backslash before u0000 is no NUL');
    t.equal(res.json.name[0].family, 'back\\u0000slash');
  });

  t.test('a request without a body is accepted whatever its Content-Type says', async (t) => {
    const created = await app.fhir('POST', 'Patient', { resourceType: 'Patient' });
    for (const type of ['application/json', 'application/fhir+json', 'text/plain', 'application/json-patch+json']) {
      let res = await app.fhir('GET', `Patient/${created.json.id}`, undefined, { 'content-type': type });
      t.equal(res.status, 200, `GET with ${type}`);
      res = await app.fhir('GET', 'Patient?_count=1', undefined, { 'content-type': type });
      t.equal(res.status, 200, `search with ${type}`);
      const viaApi = await api('GET', 'p1/mood-entries', undefined, { 'content-type': type });
      t.equal(viaApi.status, 200, `/api/v1 GET with ${type}`);
    }
    const res = await app.fhir('DELETE', `Patient/${created.json.id}`, undefined, { 'content-type': 'application/json' });
    t.equal(res.status, 204, res.body);
    const auth = await app.app.inject({ method: 'GET', url: '/fhir/.well-known/smart-configuration', headers: { 'content-type': 'application/json' } });
    t.equal(auth.statusCode, 200, 'discovery with a JSON content type and no body');
    const token = await app.app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/json' } });
    t.equal(token.statusCode, 400, 'the token endpoint answers its own error, not an empty-body 400');
    t.notMatch(token.body, /body is empty/);
    const empty = await app.fhir('POST', 'Patient', '');
    t.equal(empty.status, 400, 'a create without a body is still refused');
    isOutcome(t, empty.json);
  });

  t.test('strings with Unicode spaces are valid FHIR strings; control characters are not', async (t) => {
    const text = 'a\u00a0b\u2009c\u202fd\u3000e\ufefff\u1680g';
    const res = await app.fhir('POST', 'Patient', { resourceType: 'Patient', name: [{ text, family: `O\u00a0Neil` }] });
    t.equal(res.status, 201, res.body.slice(0, 300));
    t.equal((await app.fhir('GET', `Patient/${res.json.id}`)).json.name[0].text, text);
    const control = await app.fhir('POST', 'Patient', { resourceType: 'Patient', name: [{ text: 'a\u0001b' }] });
    t.equal(control.status, 422);
    t.same(control.json.issue[0].expression, ['Patient.name[0].text']);
  });

  t.test('found by the fuzz suite: framework refusals answer OperationOutcomes', async (t) => {
    for (const url of ['/fhir/Patient/%E0%A4%A', '/fhir/%', '/fhir/Patient/%zz/_history']) {
      const res = await app.app.inject({ method: 'GET', url, headers: { authorization: app.authorization } });
      t.equal(res.statusCode, 400, url);
      isOutcome(t, JSON.parse(res.body), `${url}: a malformed %-escape`);
    }
    const options = await app.app.inject({ method: 'OPTIONS', url: '/fhir/Patient' });
    t.ok(options.statusCode < 400, 'an OPTIONS without Origin is no failed preflight');
  });

  t.test('numbers too large for a float answer 400', async (t) => {
    const res = await app.fhir('POST', 'Observation', '{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e400}}');
    t.equal(res.status, 400);
    isOutcome(t, res.json);
  });
});
