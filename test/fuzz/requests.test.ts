// Fuzz: query strings, headers, ids and paths on the read side (FHIR read, vread, history,
// search, /api/v1 lists and summary) and on conditional writes. Replay with FUZZ_SEED and FUZZ_RUNS.
import fc from 'fast-check';
import t from 'tap';
import { createPatients } from '../api/helpers.js';
import { testApp } from '../helpers/app.js';
import { fuzzParameters, oddString, sendAndCheck, SEED } from './fuzz.js';

/** encodeURIComponent, for lone surrogates too (they go out as U+FFFD). */
const wellFormed = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed();
const enc = (s: string) => encodeURIComponent(wellFormed(s));

const TYPES = ['Patient', 'Observation', 'QuestionnaireResponse', 'MedicationRequest', 'AuditEvent', 'Basic', 'Nope', 'patient', ''];
const PARAMS = [
  '_id',
  '_lastUpdated',
  '_count',
  '_sort',
  '_include',
  '_revinclude',
  '_summary',
  '_elements',
  '_total',
  '_format',
  '_pretty',
  '_has',
  '_cursor',
  '_since',
  '_text',
  '_filter',
  'name',
  'family',
  'birthdate',
  'gender',
  'identifier',
  'subject',
  'patient',
  'code',
  'date',
  'value-quantity',
  'component-code-value-quantity',
  'status',
  'subject:Patient.name',
  'subject.name',
  'name:exact',
  'name:contains',
  'name:missing',
  'code:text',
  'code:not',
  'code:in',
  'date:above',
  'identifier:of-type',
  'value-quantity:missing',
  '_has:Observation:subject:code',
  'x',
];
const PREFIXES = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'xx'];
const value = fc.oneof(
  oddString,
  fc
    .tuple(
      fc.constantFrom(...PREFIXES),
      fc.oneof(
        fc.constantFrom(
          '2024',
          '2024-05',
          '2024-05-01',
          '2024-05-01T08:00:00Z',
          '72',
          '1.50',
          '1e400',
          '-0',
          '5.4|http://unitsofmeasure.org|mg',
          'http://loinc.org|8867-4',
          '|x',
          'Patient/p1',
          'p1',
        ),
        oddString,
      ),
    )
    .map(([p, v]) => p + v),
);
const query = fc
  .array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PARAMS) }, { weight: 1, arbitrary: oddString }), value, fc.nat(9)), { maxLength: 5 })
  .map((pairs) =>
    // Now and then a value goes unencoded, as careless clients send it.
    pairs.map(([k, v, raw]) => `${enc(k)}=${raw === 0 ? wellFormed(v) : enc(v)}`).join('&'),
  );
const rawQuery = fc.oneof(
  query,
  fc.string({ maxLength: 40 }),
  fc.constantFrom('%', '%00', '&&&', '=', '_count=1&_count=2', 'name=%E0%A4%A', '_format=xml', '_summary=count&_elements=name'),
);
const segment = fc.oneof(
  fc.constantFrom('p1', 'fz1', 'x'.repeat(65), '..', '%2F', '%00', '_history', '_search', '$everything', 'a.b-c', '1'),
  oddString.map(enc),
);
const HEADERS = {
  'content-type': ['application/fhir+json', 'application/json', 'text/plain', 'application/fhir+xml', 'multipart/form-data; boundary=x', '*/*', ';;;'],
  accept: ['application/fhir+json', 'application/xml', 'text/html', '*/*', 'application/fhir+json;fhirVersion=3.0', ''],
  prefer: ['return=minimal', 'return=representation', 'return=OperationOutcome', 'handling=strict', 'handling=lenient', 'respond-async', 'x=y;;'],
  'if-match': ['W/"1"', 'W/"0"', '"1"', 'W/"abc"', '*', 'W/"99999999999999999999"'],
  'if-none-exist': ['identifier=urn:fuzz|1', 'Patient?identifier=urn:fuzz|1', '', '_id=p1', 'name:foo=bar', 'x=1'],
  'if-none-match': ['*', 'W/"1"', 'x'],
  'if-modified-since': ['Wed, 21 Oct 2015 07:28:00 GMT', 'yesterday'],
  authorization: ['Bearer ', 'Bearer x.y.z', 'Basic YTpi', 'Bearer eyJhbGciOiJub25lIn0.eyJzY29wZSI6InN5c3RlbS8qLmNydWRzIn0.', ''],
};
const headers = fc.record(Object.fromEntries(Object.entries(HEADERS).map(([k, vs]) => [k, fc.constantFrom(...vs)])), { requiredKeys: [] }) as fc.Arbitrary<
  Record<string, string>
>;

t.test(`fuzzed requests (seed ${SEED})`, async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'p1');
  await app.fhir('POST', 'Observation', {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'x' },
    subject: { reference: 'Patient/p1' },
    valueQuantity: { value: 1.5 },
  });
  const auth = { authorization: app.authorization };

  const check = async (name: string, property: unknown) => {
    const result = await fc.check(property as fc.IAsyncProperty<unknown>, fuzzParameters());
    t.notOk(
      result.failed,
      result.failed
        ? `${name}: ${String((result.errorInstance as Error | undefined)?.message ?? '')}\n${fc.defaultReportMessage(result)}`
        : `${name}: ${result.numRuns} cases`,
    );
  };

  await check(
    'search query strings',
    fc.asyncProperty(fc.constantFrom(...TYPES), rawQuery, fc.boolean(), async (type, q, post) => {
      if (post) {
        await sendAndCheck(app, {
          method: 'POST',
          url: `/fhir/${type}/_search`,
          headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
          payload: q,
        });
      } else {
        await sendAndCheck(app, { method: 'GET', url: `/fhir/${type}?${q}`, headers: auth });
      }
    }),
  );

  await check(
    'ids and paths',
    fc.asyncProperty(
      fc.constantFrom('GET', 'DELETE', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST'),
      fc.constantFrom(...TYPES),
      fc.array(segment, { minLength: 0, maxLength: 3 }),
      rawQuery,
      async (method, type, segments, q) => {
        const payload =
          method === 'PUT' || method === 'POST' ? JSON.stringify({ resourceType: type || 'Patient', id: 'fz1' }) : method === 'PATCH' ? '[]' : undefined;
        await sendAndCheck(app, {
          method,
          url: `/fhir/${[type, ...segments].filter((s) => s !== '').join('/')}?${q}`,
          headers: { ...auth, ...(payload ? { 'content-type': method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json' } : {}) },
          ...(payload ? { payload } : {}),
        });
      },
    ),
  );

  await check(
    'headers',
    fc.asyncProperty(
      headers,
      fc.constantFrom(
        'GET /fhir/Patient/p1',
        'POST /fhir/Patient',
        'PUT /fhir/Patient/p1',
        'DELETE /fhir/Patient/fz2',
        'GET /fhir/Patient?name=x',
        'GET /api/v1/patients/p1/mood-entries',
        'POST /api/v1/patients/p1/mood-entries',
        'GET /fhir/metadata',
      ),
      async (h, route) => {
        const [method, url] = route.split(' ') as ['GET' | 'POST' | 'PUT' | 'DELETE', string];
        const payload =
          method === 'POST' || method === 'PUT'
            ? url.startsWith('/api')
              ? '{"recordedAt":"2024-05-01T08:00:00Z","overallMood":5}'
              : JSON.stringify({ resourceType: 'Patient', ...(method === 'PUT' ? { id: 'p1' } : {}) })
            : undefined;
        const sent: Record<string, string> = { ...auth, ...h };
        if (h.authorization === '') delete sent.authorization;
        if (h['content-type'] === undefined && payload) sent['content-type'] = 'application/fhir+json';
        await sendAndCheck(app, { method, url, headers: sent, ...(payload ? { payload } : {}) });
      },
    ),
  );

  await check(
    '/api/v1 lists and summary',
    fc.asyncProperty(
      fc.constantFrom('mood-entries', 'vitals', 'medications', 'assessments', 'care-plans', 'summary', 'medications/x/logs', 'nope'),
      segment,
      rawQuery,
      async (kind, patient, q) => {
        await sendAndCheck(app, { method: 'GET', url: `/api/v1/patients/${patient}/${kind}?${q}`, headers: auth });
      },
    ),
  );
});
