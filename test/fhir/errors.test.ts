// Bad input: every case a 4xx OperationOutcome that names the problem, nothing stored, and the
// server keeps serving.
import t, { type Test } from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';

async function storedCount(app: TestApp): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>('SELECT (SELECT count(*) FROM resource) + (SELECT count(*) FROM resource_history) AS n');
  return Number(rows[0].n);
}

function isOutcome(t: Test, json: { resourceType?: string; issue?: Array<{ diagnostics?: string }> }): void {
  t.equal(json?.resourceType, 'OperationOutcome');
  t.ok(json?.issue?.[0]?.diagnostics, 'the issue says what is wrong');
  t.notMatch(JSON.stringify(json), /at .*\.(ts|js):\d+|SELECT |INSERT /, 'no stack trace or SQL');
}

t.test('bad bodies are refused with a 4xx OperationOutcome and nothing is stored', async (t) => {
  const app = await testApp(t);
  const { fhir } = app;
  const cases: Array<{ name: string; status: number; body: unknown; headers?: Record<string, string>; expression?: string; type?: string }> = [
    { name: 'malformed JSON', status: 400, body: '{"resourceType":"Patient",' },
    { name: 'an empty body', status: 400, body: '' },
    { name: 'a JSON array', status: 400, body: [] },
    { name: 'JSON null', status: 400, body: 'null' },
    { name: 'a wrong resourceType', status: 400, body: { resourceType: 'Observation', status: 'final', code: { text: 'x' } } },
    { name: 'no resourceType', status: 400, body: { name: [{ family: 'X' }] } },
    { name: 'an unknown element', status: 422, body: { resourceType: 'Patient', favouriteColour: 'blue' }, expression: 'Patient.favouriteColour' },
    { name: 'a bad date', status: 422, body: { resourceType: 'Patient', birthDate: '1990-02-30' }, expression: 'Patient.birthDate' },
    { name: 'a malformed date', status: 422, body: { resourceType: 'Patient', birthDate: '02/03/1990' }, expression: 'Patient.birthDate' },
    {
      name: 'a dateTime without a zone',
      type: 'Observation',
      status: 422,
      body: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, effectiveDateTime: '2026-01-01T10:00:00' },
      expression: 'Observation.effectiveDateTime',
    },
    { name: 'a wrong type', status: 422, body: { resourceType: 'Patient', active: 'yes' }, expression: 'Patient.active' },
    { name: 'a code outside the value set', status: 422, body: { resourceType: 'Patient', gender: 'unknown-gender' }, expression: 'Patient.gender' },
    { name: 'an empty array', status: 422, body: { resourceType: 'Patient', name: [] }, expression: 'Patient.name' },
    { name: 'an empty object', status: 422, body: { resourceType: 'Patient', name: [{}] }, expression: 'Patient.name[0]' },
    { name: 'an empty string', status: 422, body: { resourceType: 'Patient', name: [{ family: '' }] }, expression: 'Patient.name[0].family' },
    {
      name: 'a decimal where an integer belongs',
      status: 422,
      body: { resourceType: 'Patient', multipleBirthInteger: 1.5 },
      expression: 'Patient.multipleBirthInteger',
    },
    {
      name: 'a script in the narrative',
      status: 422,
      body: { resourceType: 'Patient', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>' } },
      expression: 'Patient.text.div',
    },
    {
      name: 'an invalid contained resource',
      status: 422,
      body: { resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'o', bogus: true }] },
      expression: 'Patient.contained[0].bogus',
    },
    { name: 'a prototype-polluting key', status: 400, body: '{"resourceType":"Patient","__proto__":{"x":1}}' },
    { name: 'text/plain', status: 415, body: 'hello', headers: { 'content-type': 'text/plain' } },
    { name: 'XML', status: 415, body: '<Patient/>', headers: { 'content-type': 'application/fhir+xml' } },
  ];
  for (const c of cases) {
    const res = await fhir('POST', c.type ?? 'Patient', c.body, c.headers);
    t.equal(res.status, c.status, `${c.name}: ${c.status}`);
    isOutcome(t, res.json);
    if (c.expression)
      t.ok(
        res.json.issue.some((i: { expression?: string[] }) => i.expression?.includes(c.expression as string)),
        `${c.name}: names ${c.expression}`,
      );
  }
  t.equal(await storedCount(app), 0, 'nothing was stored');
  t.equal((await fhir('POST', 'Patient', { resourceType: 'Patient' })).status, 201, 'the server keeps serving');
});

t.test('a body over the limit answers 413, and the server keeps serving', async (t) => {
  const app = await testApp(t);
  const big = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'x'.repeat(20 * 1024 * 1024) }] });
  const res = await app.fhir('POST', 'Patient', big);
  t.equal(res.status, 413);
  isOutcome(t, res.json);
  t.equal(await storedCount(app), 0);
  t.equal((await app.fhir('GET', 'metadata')).status, 200);
});

t.test('the body limit is configurable (BODY_LIMIT)', async (t) => {
  const app = await testApp(t, { BODY_LIMIT: '2048' });
  const res = await app.fhir('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'x'.repeat(3000) }] });
  t.equal(res.status, 413);
});

t.test('content negotiation: 406 for an Accept Haven cannot serve; _format overrides Accept', async (t) => {
  const { fhir } = await testApp(t);
  t.equal((await fhir('GET', 'metadata', undefined, { accept: 'application/fhir+xml' })).status, 406);
  t.equal((await fhir('GET', 'metadata?_format=xml')).status, 406);
  t.equal((await fhir('GET', 'metadata?_format=json', undefined, { accept: 'application/fhir+xml' })).status, 200);
  t.equal((await fhir('GET', 'metadata', undefined, { accept: 'application/json' })).status, 200);
  t.equal((await fhir('GET', 'metadata', undefined, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })).status, 200);
  const json = await fhir('GET', 'metadata', undefined, { accept: 'application/json' });
  t.match(json.headers['content-type'], /^application\/json/);
  const pretty = await fhir('GET', 'metadata?_pretty=true');
  t.match(pretty.body, /\n {2}"resourceType"/);
});

t.test('unknown endpoints and types answer 404 OperationOutcomes', async (t) => {
  const { fhir, app } = await testApp(t);
  const unknownType = await fhir('POST', 'Patients', { resourceType: 'Patients' });
  t.equal(unknownType.status, 404);
  isOutcome(t, unknownType.json);
  const res = await app.inject({ method: 'GET', url: '/nowhere' });
  t.equal(res.statusCode, 404);
  t.equal(JSON.parse(res.body).resourceType, 'OperationOutcome');
});

t.test('request ids: a well-formed X-Request-Id is echoed, otherwise one is assigned', async (t) => {
  const { fhir } = await testApp(t);
  t.equal((await fhir('GET', 'metadata', undefined, { 'x-request-id': 'abc-123' })).headers['x-request-id'], 'abc-123');
  const assigned = (await fhir('GET', 'metadata', undefined, { 'x-request-id': 'bad id with spaces' })).headers['x-request-id'];
  t.match(assigned, /^[0-9a-f-]{36}$/);
});
