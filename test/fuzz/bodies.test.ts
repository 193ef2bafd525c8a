// Fuzz: generated and mutated bodies on every write route (FHIR create/update/PATCH, Bundles,
// /api/v1 records, /auth/token). Replay a failure with FUZZ_SEED (printed by fast-check) and FUZZ_RUNS.
import fc from 'fast-check';
import t from 'tap';
import { createPatients } from '../api/helpers.js';
import { testApp } from '../helpers/app.js';
import { body, fuzzParameters, jsonText, oddString, sendAndCheck, SEED } from './fuzz.js';

const CONTENT_TYPES = [
  'application/fhir+json',
  'application/json',
  'application/json-patch+json',
  'application/fhir+json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  '',
];
const API_KINDS = ['mood-entries', 'vitals', 'medications', 'assessments', 'care-plans'];

t.test(`fuzzed bodies (seed ${SEED})`, async (t) => {
  const app = await testApp(t, { TOKEN_RATE_LIMIT: '100000' });
  await createPatients(app, 'p1');
  const auth = { authorization: app.authorization };

  const check = async (name: string, property: fc.IAsyncProperty<never> | fc.IAsyncPropertyWithHooks<never>) => {
    const result = await fc.check(property as fc.IAsyncProperty<unknown>, fuzzParameters());
    t.notOk(
      result.failed,
      result.failed
        ? `${name}: ${String((result.errorInstance as Error | undefined)?.message ?? '')}\n${fc.defaultReportMessage(result)}`
        : `${name}: ${result.numRuns} cases`,
    );
  };

  await check(
    'FHIR create and update',
    fc.asyncProperty(
      fc.constantFrom('Patient', 'Observation', 'QuestionnaireResponse', 'Basic', 'MedicationRequest'),
      body,
      fc.constantFrom(...CONTENT_TYPES),
      fc.boolean(),
      async (type, payload, contentType, update) => {
        await sendAndCheck(app, {
          method: update ? 'PUT' : 'POST',
          url: update ? `/fhir/${type}/fz1` : `/fhir/${type}`,
          headers: { ...auth, ...(contentType ? { 'content-type': contentType } : {}) },
          payload,
        });
      },
    ) as never,
  );

  await check(
    'Bundles',
    fc.asyncProperty(
      fc.constantFrom('transaction', 'batch', 'collection', 'x'),
      fc.array(fc.tuple(body, fc.constantFrom('POST', 'PUT', 'DELETE', 'GET', 'PATCH', 'HEAD', 'x'), oddString, fc.option(oddString)), { maxLength: 4 }),
      async (type, entries) => {
        const entry = entries.map(
          ([resource, method, url, ifNoneExist], i) =>
            `{"fullUrl":"urn:uuid:00000000-0000-4000-8000-00000000000${i}","resource":${resource},"request":${JSON.stringify({ method, url: i % 2 ? url : `Patient${method === 'POST' ? '' : '/p' + i}`, ...(ifNoneExist !== null ? { ifNoneExist } : {}) })}}`,
        );
        await sendAndCheck(app, {
          method: 'POST',
          url: '/fhir',
          headers: { ...auth, 'content-type': 'application/fhir+json' },
          payload: `{"resourceType":"Bundle","type":"${type}","entry":[${entry.join(',')}]}`,
        });
      },
    ) as never,
  );

  await check(
    'JSON Patch',
    fc.asyncProperty(
      fc.array(
        fc.tuple(
          fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'x'),
          fc.oneof(oddString, fc.constantFrom('/name', '/name/0/family', '/id', '/resourceType', '/meta', '/birthDate', '/-', '/name/-', '/extension')),
          jsonText,
        ),
        { maxLength: 3 },
      ),
      async (ops) => {
        const payload = `[${ops.map(([op, path, value]) => `{"op":"${op}","path":${JSON.stringify(path)},"from":"/name","value":${value}}`).join(',')}]`;
        await sendAndCheck(app, { method: 'PATCH', url: '/fhir/Patient/p1', headers: { ...auth, 'content-type': 'application/json-patch+json' }, payload });
      },
    ) as never,
  );

  await check(
    '/api/v1 records',
    fc.asyncProperty(fc.constantFrom(...API_KINDS), jsonText, fc.boolean(), async (kind, payload, put) => {
      await sendAndCheck(app, {
        method: put ? 'PUT' : 'POST',
        url: put ? `/api/v1/patients/p1/${kind}/fz1` : `/api/v1/patients/p1/${kind}`,
        headers: { ...auth, 'content-type': 'application/json' },
        payload,
      });
    }) as never,
  );

  await check(
    '/auth/token',
    fc.asyncProperty(
      fc.dictionary(fc.constantFrom('grant_type', 'scope', 'client_assertion_type', 'client_assertion', 'client_id', 'x'), oddString),
      fc.boolean(),
      async (form, asJson) => {
        await sendAndCheck(app, {
          method: 'POST',
          url: '/auth/token',
          headers: { 'content-type': asJson ? 'application/json' : 'application/x-www-form-urlencoded' },
          payload: asJson ? JSON.stringify(form) : new URLSearchParams(form).toString(),
        });
      },
    ) as never,
  );
});
