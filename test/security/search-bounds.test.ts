// Issue 20: one search request may not ask for unbounded work. Too many parameters, values of one
// parameter (repetitions and comma values), _sort keys or includes answer 400 with an
// OperationOutcome naming the bound, through GET, POST _search, Bundle entries and conditional
// writes; _sort with 1,000 keys (past PostgreSQL's target-list limit) answers 400, not 500.
import t, { type Test } from 'tap';
import { testApp, type FhirClient, type FhirResponse } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function tooCostly(t: Test, what: string, res: FhirResponse, setting: RegExp): void {
  t.equal(res.status, 400, `${what}: 400 (${res.body.slice(0, 200)})`);
  t.equal(res.json?.resourceType, 'OperationOutcome', `${what}: an OperationOutcome`);
  t.equal(res.json?.issue?.[0]?.code, 'too-costly', `${what}: issue code too-costly`);
  t.equal(errorCode(res.json), 'too-costly', `${what}: error code too-costly`);
  // docs/api.md: a too-costly refusal's diagnostics name the setting (the operator's knob).
  t.match(res.json?.issue?.[0]?.diagnostics, setting, `${what}: names the bound`);
}

/** The same query through GET, POST _search, a batch entry and a transaction entry. */
async function everyWay(t: Test, fhir: FhirClient, what: string, type: string, query: string, setting: RegExp): Promise<void> {
  tooCostly(t, `GET ${what}`, await fhir('GET', `${type}?${query}`), setting);
  tooCostly(t, `POST _search ${what}`, await fhir('POST', `${type}/_search`, query, FORM), setting);
  const batch = await fhir('POST', '', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `${type}?${query}` } }] });
  t.equal(batch.status, 200, `batch ${what}: answered`);
  t.match(batch.json?.entry?.[0]?.response?.status, /^400/, `batch ${what}: the entry answers 400`);
  t.match(JSON.stringify(batch.json?.entry?.[0]?.response?.outcome), setting, `batch ${what}: the entry's outcome names the bound`);
  const transaction = await fhir('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: `${type}?${query}` } }] });
  t.equal(transaction.status, 400, `transaction ${what}: 400`);
  t.match(transaction.body, setting, `transaction ${what}: names the bound`);
}

const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('&');

t.test('search bounds (defaults)', async (t) => {
  const app = await testApp(t);
  const patient = await app.fhir('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Bound' }] });
  for (let i = 0; i < 5; i++) {
    await app.fhir('POST', 'Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'w' },
      subject: { reference: `Patient/${patient.json.id}` },
      valueQuantity: { value: i },
    });
  }

  // The issue's request: 300 and 3,000 repetitions of one parameter.
  await everyWay(
    t,
    app.fhir,
    '300 repetitions',
    'Observation',
    repeat(300, (i) => `value-quantity=gt${i}`),
    /SEARCH_MAX_PARAMETERS/,
  );
  tooCostly(
    t,
    'POST _search with 3,000 repetitions',
    await app.fhir(
      'POST',
      'Observation/_search',
      repeat(3000, (i) => `value-quantity=gt${i}`),
      FORM,
    ),
    /SEARCH_MAX_PARAMETERS/,
  );
  await everyWay(
    t,
    app.fhir,
    '101 parameters',
    'Observation',
    repeat(101, (i) => `status=final${i}`),
    /101 parameters.*SEARCH_MAX_PARAMETERS/,
  );
  await everyWay(
    t,
    app.fhir,
    '101 comma values',
    'Observation',
    `_id=${repeat(101, (i) => `x${i}`).replace(/&/g, ',')}`,
    /101 values of .{1,3}_id.*SEARCH_MAX_VALUES/,
  );
  await everyWay(
    t,
    app.fhir,
    'repetitions and comma values together',
    'Observation',
    repeat(3, () => `code=${repeat(40, (i) => `c${i}`).replace(/&/g, ',')}`),
    /120 values of .{1,3}code.*SEARCH_MAX_VALUES/,
  );
  await everyWay(
    t,
    app.fhir,
    '_sort with 1,000 keys',
    'Observation',
    `_sort=${repeat(1000, () => '_lastUpdated').replace(/&/g, ',')}`,
    /1000 _sort keys.*SEARCH_MAX_SORT_KEYS/,
  );
  await everyWay(t, app.fhir, '_sort with 11 keys', 'Observation', `_sort=${repeat(11, () => '-_id').replace(/&/g, ',')}`, /SEARCH_MAX_SORT_KEYS/);
  await everyWay(
    t,
    app.fhir,
    '51 includes',
    'Observation',
    repeat(51, (i) => (i % 2 ? '_include=Observation:subject' : '_revinclude:iterate=Observation:derived-from')),
    /51 _include and _revinclude.*SEARCH_MAX_INCLUDES/,
  );

  // Conditional writes search too: the same bounds.
  const conditional = await app.fhir(
    'POST',
    'Observation',
    { resourceType: 'Observation', status: 'final', code: { text: 'c' } },
    { 'if-none-exist': repeat(101, (i) => `identifier=x${i}`) },
  );
  tooCostly(t, 'conditional create', conditional, /SEARCH_MAX_PARAMETERS|SEARCH_MAX_VALUES/);
  tooCostly(t, 'conditional delete', await app.fhir('DELETE', `Observation?${repeat(101, (i) => `_id=x${i}`)}`), /SEARCH_MAX/);

  // Within the bounds, searches answer as before.
  const within = await app.fhir(
    'GET',
    `Observation?${repeat(20, (i) => `value-quantity=ge${i % 2}`)}&_sort=${repeat(10, () => '-_lastUpdated').replace(/&/g, ',')}&_include=Observation:subject`,
  );
  t.equal(within.status, 200, within.body.slice(0, 200));
  t.equal(within.json.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'match').length, 4, 'value >= 1: four matches');
  t.equal((await app.fhir('GET', `Observation?_id=${repeat(100, (i) => `x${i}`).replace(/&/g, ',')}`)).status, 200, '100 values is the default bound');
});

t.test('search bounds are configurable', async (t) => {
  const app = await testApp(t, {
    SEARCH_MAX_PARAMETERS: '3',
    SEARCH_MAX_VALUES: '2',
    SEARCH_MAX_SORT_KEYS: '1',
    SEARCH_MAX_INCLUDES: '1',
    SEARCH_MAX_INCLUDE_DEPTH: '2',
  });
  tooCostly(t, '4 parameters', await app.fhir('GET', 'Observation?status=a&status=b&code=c&_count=1'), /at most 3 .*SEARCH_MAX_PARAMETERS/);
  tooCostly(t, '3 values', await app.fhir('GET', 'Observation?code=a,b,c'), /at most 2 .*SEARCH_MAX_VALUES/);
  tooCostly(t, '2 sort keys', await app.fhir('GET', 'Observation?_sort=_id,-_lastUpdated'), /at most 1 .*SEARCH_MAX_SORT_KEYS/);
  tooCostly(
    t,
    '2 includes',
    await app.fhir('GET', 'Observation?_include=Observation:subject&_revinclude=Observation:derived-from'),
    /at most 1 .*SEARCH_MAX_INCLUDES/,
  );
  t.equal((await app.fhir('GET', 'Observation?code=a,b&_sort=_id')).status, 200);

  // :iterate depth: a chain of derived-from three links long is followed for two rounds only.
  await app.fhir('PUT', 'Observation/o1', { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: '1' } });
  await app.fhir('PUT', 'Observation/o2', {
    resourceType: 'Observation',
    id: 'o2',
    status: 'final',
    code: { text: '2' },
    derivedFrom: [{ reference: 'Observation/o1' }],
  });
  await app.fhir('PUT', 'Observation/o3', {
    resourceType: 'Observation',
    id: 'o3',
    status: 'final',
    code: { text: '3' },
    derivedFrom: [{ reference: 'Observation/o2' }],
  });
  await app.fhir('PUT', 'Observation/o4', {
    resourceType: 'Observation',
    id: 'o4',
    status: 'final',
    code: { text: '4' },
    derivedFrom: [{ reference: 'Observation/o3' }],
  });
  const res = await app.fhir('GET', 'Observation?_id=o4&_include:iterate=Observation:derived-from');
  const ids = res.json.entry.map((e: { resource: { id: string } }) => e.resource.id).sort();
  t.same(ids, ['o2', 'o3', 'o4'], 'two rounds of includes: o3, then o2');
  const config = await testApp(t, { SEARCH_MAX_SORT_KEYS: '0' }).catch((error: Error) => error);
  t.match(String(config), /SEARCH_MAX_SORT_KEYS/, 'a bound out of range is a configuration error');
});
