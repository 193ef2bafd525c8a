// One search semantics (issue 12): the Node matcher (src/store/search/match.ts, behind query
// restrictions on reads and writes) and the SQL search must give the same answer. Random
// Observations, Patients, Conditions and RiskAssessments (codes in and out of systems, Identifiers,
// booleans, dates of every precision and Periods, quantities with and without units, accented
// names, references in every form, profiles) are stored through HTTP in a real database; random
// criteria over every parameter type, with the modifiers and prefixes the parser accepts, are then
// searched through HTTP and evaluated in Node on every stored resource, and the two sets of ids
// must be equal. Replay a failure with MATCH_SEED (printed by fast-check); MATCH_PER_KIND and MATCH_RUNS set the
// runs of each kind of criterion alone and of random combinations.
import fc from 'fast-check';
import t from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';

const BASE = 'http://haven.test/fhir';
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const TAGS = 'urn:haven:test-tags';
const IDS = ['urn:sys-a', 'urn:sys-b'];
const RUNS = Number(process.env.MATCH_RUNS ?? 30);
/** Runs of each kind of criterion on its own. */
const PER_KIND = Number(process.env.MATCH_PER_KIND ?? 3);
const SEED = process.env.MATCH_SEED ? Number(process.env.MATCH_SEED) : undefined;
const POOL = 24;

type Json = Record<string, unknown>;
type Pairs = Array<[string, string]>;

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** FHIR JSON: without the undefined members fast-check's options leave, nor the objects they empty. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, clean(v)] as const);
    const kept = entries.filter(([, v]) => v !== undefined && !(v && typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length));
    return Object.fromEntries(kept);
  }
  return value;
}

// ---- stored values ----
const codes = ['8867-4', '8480-6', '1234', 'A-1'];
const coding = (systems: string[], values: string[]) =>
  fc.record({
    system: opt(fc.constantFrom(...systems)),
    code: fc.constantFrom(...values),
    display: opt(fc.constantFrom('Heart rate', 'Pulse', 'Blood Pressure')),
  });
const concept = (systems: string[], values: string[]) =>
  fc.record({
    coding: fc.array(coding(systems, values), { minLength: 1, maxLength: 2 }),
    text: opt(fc.constantFrom('Heart rate', 'Ánxiety score', 'blood  pressure')),
  });
const dateTime = fc.constantFrom(
  '2024',
  '2024-03',
  '2024-03-15',
  '2024-03-31',
  '2024-04-01',
  '2023-12-31',
  '2024-03-15T10:30:00Z',
  '2024-03-15T10:30:00+02:00',
  '2024-03-15T23:59:59.999Z',
  '2024-03-16T00:00:00Z',
);
const date = fc.constantFrom('2024', '2024-03', '2024-03-15', '2023-12-31', '1984-03-02');
const period = fc.oneof(
  fc.record({ start: dateTime, end: opt(fc.constantFrom('2024-03-20', '2024-12')) }),
  fc.record({ end: fc.constantFrom('2024-03-15', '2024-06') }),
);
const decimal = fc.constantFrom(0, 0.001, 1, 1.5, 5, 99.5, 100, 100.4, 120, 150, -3.2);
const quantity = fc.record({
  value: decimal,
  unit: opt(fc.constantFrom('mmHg', 'mg', 'kg')),
  system: opt(fc.constantFrom(UCUM, 'urn:other-units')),
  code: opt(fc.constantFrom('mm[Hg]', 'mg', 'kg')),
});
const reference = fc.constantFrom(
  'Patient/p1',
  'Patient/p2',
  `${BASE}/Patient/p1`,
  'http://other.example/fhir/Patient/p1',
  'Group/g1',
  'Patient/p1/_history/2',
);
const subject = fc.oneof(
  fc.record({ reference }),
  fc.record({ identifier: fc.record({ system: opt(fc.constantFrom(...IDS)), value: fc.constantFrom('v1', 'v2') }) }),
);
const identifier = fc.record({
  system: opt(fc.constantFrom(...IDS)),
  value: fc.constantFrom('123', '456', 'a-1'),
  type: opt(fc.record({ coding: fc.tuple(fc.record({ system: fc.constantFrom(V2), code: fc.constantFrom('MR', 'SS') })) })),
});
const meta = fc.record({
  tag: opt(fc.array(coding([TAGS, 'urn:other-tags'], ['a', 'b']), { minLength: 1, maxLength: 2 })),
  profile: opt(
    fc.tuple(fc.constantFrom('http://x.org/fhir/StructureDefinition/vitals', 'http://x.org/fhir/StructureDefinition/vitals/bp', 'http://y.org/profile')),
  ),
});

const observation = fc.record({
  resourceType: fc.constant('Observation'),
  meta: opt(meta),
  status: fc.constantFrom('final', 'amended', 'preliminary'),
  category: opt(fc.tuple(concept([CATEGORY, 'urn:other-category'], ['vital-signs', 'laboratory', 'survey']))),
  code: concept([LOINC, SNOMED], codes),
  subject: opt(subject),
  performer: opt(fc.tuple(fc.record({ reference: fc.constantFrom('Practitioner/d1', 'Practitioner/d2', `${BASE}/Practitioner/d1`) }))),
  effectiveDateTime: opt(dateTime),
  identifier: opt(fc.array(identifier, { minLength: 1, maxLength: 2 })),
  valueQuantity: opt(quantity),
  component: opt(fc.array(fc.record({ code: concept([LOINC], ['8480-6', '8462-4']), valueQuantity: quantity }), { minLength: 1, maxLength: 2 })),
});
const observationWithPeriod = fc.record({
  resourceType: fc.constant('Observation'),
  status: fc.constant('final'),
  code: concept([LOINC], codes),
  effectivePeriod: period,
  valueString: opt(fc.constantFrom('Felt calm', 'fELT Calmer', 'anxious', 'Ánimo bajo')),
});
const patient = fc.record({
  resourceType: fc.constant('Patient'),
  meta: opt(meta),
  active: opt(fc.boolean()),
  gender: opt(fc.constantFrom('male', 'female', 'other', 'unknown')),
  birthDate: opt(date),
  deceasedBoolean: opt(fc.boolean()),
  name: opt(
    fc.tuple(
      fc.record({
        family: fc.constantFrom('Muñoz', 'munoz', 'Smith', "O'Brien", 'Anderson'),
        given: opt(fc.tuple(fc.constantFrom('Ána María', 'Anabel', 'Bob'))),
      }),
    ),
  ),
  identifier: opt(fc.array(identifier, { minLength: 1, maxLength: 2 })),
  telecom: opt(fc.tuple(fc.record({ system: fc.constantFrom('phone', 'email'), value: fc.constantFrom('555-1234', 'ana@example.org') }))),
  address: opt(fc.tuple(fc.record({ city: fc.constantFrom('Zürich', 'Boston', 'zurich') }))),
  generalPractitioner: opt(fc.tuple(fc.record({ reference: fc.constantFrom('Practitioner/d1', 'Practitioner/d2') }))),
});
const condition = fc.record({
  resourceType: fc.constant('Condition'),
  subject: fc.record({ reference }),
  clinicalStatus: opt(fc.record({ coding: fc.tuple(fc.record({ system: fc.constant(CLINICAL), code: fc.constantFrom('active', 'recurrence') })) })),
  code: opt(concept([SNOMED], ['44054006', '38341003'])),
  onsetDateTime: opt(dateTime),
  recordedDate: opt(dateTime),
});
const conditionWithAge = fc.record({
  resourceType: fc.constant('Condition'),
  subject: fc.record({ reference }),
  onsetAge: fc.record({ value: fc.constantFrom(30, 45, 45.5), unit: fc.constant('a'), system: fc.constant(UCUM), code: fc.constant('a') }),
});
const risk = fc.record({
  resourceType: fc.constant('RiskAssessment'),
  status: fc.constant('final'),
  subject: fc.record({ reference: fc.constantFrom('Patient/p1', 'Patient/p2') }),
  prediction: opt(fc.array(fc.record({ probabilityDecimal: fc.constantFrom(0.1, 0.25, 0.5, 0.75, 1) }), { minLength: 1, maxLength: 2 })),
});

// ---- searched values ----
const PREFIXES = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];
const prefix = fc.constantFrom(...PREFIXES);
/** Values stored resources hold, searched with every prefix. */
const EDGES: Array<[string, string, string[]]> = [
  ['Observation', 'value-quantity', ['100', '99.5', '5', '120', '1.5']],
  ['RiskAssessment', 'probability', ['0.5', '0.25', '1', '0.1']],
  ['Observation', 'date', ['2024-03-15', '2024-03', '2024', '2024-03-15T10:30:00Z', '2024-03-31']],
  ['Patient', 'birthdate', ['2024', '2024-03-15', '1984-03-02']],
];
const tokenValue = (systems: string[], values: string[]) =>
  fc.oneof(
    fc.constantFrom(...values),
    fc.constantFrom(...values).map((c) => `|${c}`),
    ...(systems.length
      ? [fc.tuple(fc.constantFrom(...systems), fc.constantFrom(...values)).map(([s, c]) => `${s}|${c}`), fc.constantFrom(...systems).map((s) => `${s}|`)]
      : []),
  );
/** The key of a composite value needs a code. */
const keyValue = (systems: string[], values: string[]) => tokenValue(systems, values).filter((v) => !v.endsWith('|'));
const ors = (arb: fc.Arbitrary<string>) => fc.array(arb, { minLength: 1, maxLength: 2 }).map((vs) => vs.join(','));
const token = (name: string, systems: string[], values: string[]) => fc.tuple(fc.constantFrom(name, `${name}:not`), ors(tokenValue(systems, values)));
const searchDate = fc
  .tuple(
    prefix,
    fc.constantFrom('2024', '2024-03', '2024-03-15', '2024-03-16', '2023-12-31', '2024-03-15T10:30', '2024-03-15T10:30:00Z', '2024-03-15T12:30+02:00', '1984'),
  )
  .map(([p, d]) => p + d);
const searchNumber = fc
  .tuple(prefix, fc.constantFrom('100', '1e2', '100.0', '99.5', '0.001', '-3', '5', '1.50', '120', '0.5', '0.25', '1'))
  .map(([p, n]) => p + n);
const searchQuantity = fc.oneof(
  searchNumber,
  fc.tuple(searchNumber, fc.constantFrom(UCUM, 'urn:other-units', ''), fc.constantFrom('mm[Hg]', 'mg', 'mmHg', 'kg')).map(([n, s, c]) => `${n}|${s}|${c}`),
);
const reference$ = fc.constantFrom('Patient/p1', 'p1', `${BASE}/Patient/p1`, 'http://other.example/fhir/Patient/p1', 'Group/g1', 'Patient/p2');
const refParam = (name: string) =>
  fc.oneof(
    fc.tuple(fc.constant(name), ors(reference$)),
    fc.tuple(fc.constant(`${name}:Patient`), fc.constantFrom('p1', 'p2', 'Patient/p1')),
    fc.tuple(fc.constant(`${name}:identifier`), tokenValue(IDS, ['v1', 'v2'])),
  );
const missing = (...names: string[]) =>
  fc.tuple(
    fc.constantFrom(...names).map((n) => `${n}:missing`),
    fc.constantFrom('true', 'false'),
  );
const stringParam = (name: string, values: string[]) => fc.tuple(fc.constantFrom(name, `${name}:exact`, `${name}:contains`), ors(fc.constantFrom(...values)));
const common = [
  token('_tag', [TAGS, 'urn:other-tags'], ['a', 'b']),
  fc.tuple(
    fc.constantFrom('_profile', '_profile:below', '_profile:above'),
    fc.constantFrom(
      'http://x.org/fhir/StructureDefinition/vitals',
      'http://x.org/fhir/StructureDefinition/vitals/bp/x',
      'http://x.org/fhir',
      'http://y.org/profile',
    ),
  ),
  fc.tuple(
    fc.constantFrom('_lastUpdated'),
    fc.tuple(prefix, fc.constantFrom('2020-01-01', '2099', new Date().toISOString().slice(0, 10))).map(([p, d]) => p + d),
  ),
  missing('_tag', '_profile'),
];

const criteria: Record<string, fc.Arbitrary<[string, string]>[]> = {
  Observation: [
    ...common,
    token('code', [LOINC, SNOMED], codes),
    fc.tuple(fc.constant('code:text'), fc.constantFrom('heart', 'HEART RATE', 'anx', 'blood pressure', 'puls')),
    token('category', [CATEGORY, 'urn:other-category'], ['vital-signs', 'laboratory']),
    token('status', [], ['final', 'amended']),
    token('identifier', IDS, ['123', 'a-1']),
    refParam('subject'),
    fc.tuple(fc.constant('performer'), ors(fc.constantFrom('Practitioner/d1', 'd2', `${BASE}/Practitioner/d1`))),
    fc.tuple(fc.constant('date'), searchDate),
    fc.tuple(fc.constant('value-quantity'), ors(searchQuantity)),
    stringParam('value-string', ['felt calm', 'FELT', 'calm', 'animo', 'Felt calm']),
    fc.tuple(
      fc.constant('component-code-value-quantity'),
      fc.tuple(keyValue([LOINC], ['8480-6', '8462-4']), searchQuantity).map(([k, q]) => `${k}$${q}`),
    ),
    fc.tuple(
      fc.constant('combo-code-value-quantity'),
      fc.tuple(keyValue([LOINC], ['8480-6', '8867-4']), searchNumber).map(([k, q]) => `${k}$${q}`),
    ),
    missing('code', 'category', 'subject', 'date', 'value-quantity', 'identifier', 'component-code-value-quantity', 'performer'),
  ],
  Patient: [
    ...common,
    token('active', [], ['true', 'false']),
    token('deceased', [], ['true', 'false']),
    token('gender', [], ['male', 'female', 'other']),
    fc.tuple(fc.constant('birthdate'), searchDate),
    stringParam('family', ['munoz', 'Muñoz', 'mu', "o'b", 'smith']),
    stringParam('name', ['ana', 'Ána María', 'maria', 'bob']),
    stringParam('address-city', ['zur', 'Zürich', 'boston']),
    token('identifier', IDS, ['123', 'a-1']),
    fc.tuple(
      fc.constant('identifier:of-type'),
      fc.tuple(fc.constantFrom('MR', 'SS'), fc.constantFrom('123', '456')).map(([c, v]) => `${V2}|${c}|${v}`),
    ),
    token('telecom', ['phone', 'email'], ['555-1234', 'ana@example.org']),
    token('email', [], ['ana@example.org']),
    fc.tuple(fc.constant('general-practitioner'), ors(fc.constantFrom('Practitioner/d1', 'd2'))),
    fc.tuple(fc.constantFrom('_id', '_id:not'), ors(fc.constantFrom('pt-1', 'pt-2', 'pt-3'))),
    missing('active', 'birthdate', 'family', 'identifier', 'gender', 'general-practitioner'),
  ],
  Condition: [
    token('clinical-status', [CLINICAL], ['active', 'recurrence']),
    token('code', [SNOMED], ['44054006', '38341003']),
    fc.tuple(fc.constant('onset-date'), searchDate),
    fc.tuple(fc.constant('recorded-date'), searchDate),
    fc.tuple(fc.constant('onset-age'), searchQuantity),
    refParam('subject'),
    fc.tuple(fc.constant('patient'), fc.constantFrom('p1', 'Patient/p2')),
    missing('onset-date', 'clinical-status', 'code', 'onset-age'),
  ],
  RiskAssessment: [fc.tuple(fc.constant('probability'), ors(searchNumber)), fc.tuple(fc.constant('subject'), reference$), missing('probability')],
};

const pools: Record<string, fc.Arbitrary<Json>> = {
  Observation: fc.oneof({ arbitrary: observation, weight: 3 }, { arbitrary: observationWithPeriod, weight: 1 }) as fc.Arbitrary<Json>,
  Patient: patient as fc.Arbitrary<Json>,
  Condition: fc.oneof({ arbitrary: condition, weight: 3 }, { arbitrary: conditionWithAge, weight: 1 }) as fc.Arbitrary<Json>,
  RiskAssessment: risk as fc.Arbitrary<Json>,
};

const prefixes: Record<string, string> = { Observation: 'ob', Patient: 'pt', Condition: 'co', RiskAssessment: 'ra' };

async function store(app: TestApp): Promise<Record<string, Json[]>> {
  const stored: Record<string, Json[]> = {};
  for (const [type, arb] of Object.entries(pools)) {
    stored[type] = [];
    const samples = fc.sample(arb, SEED === undefined ? POOL : { numRuns: POOL, seed: SEED });
    for (const [i, sample] of samples.entries()) {
      const id = `${prefixes[type]}-${i + 1}`;
      const res = await app.fhir('PUT', `${type}/${id}`, clean({ ...sample, id }));
      if (res.status >= 300) throw new Error(`${type}/${id}: ${res.status} ${res.body}`);
      stored[type].push(res.json);
    }
  }
  return stored;
}

const query = (pairs: Pairs) => pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&');

t.test('the Node matcher and the SQL search select the same resources', async (t) => {
  const app = await testApp(t);
  const stored = await store(app);
  const search = app.services.search;
  let compared = 0;
  let nonEmpty = 0;
  const check = async ([type, pairs]: [string, Pairs]) => {
    const res = await app.fhir('GET', `${type}?${query(pairs)}&_count=200&_elements=id`, undefined, { prefer: 'handling=strict' });
    if (res.status !== 200) throw new Error(`${type}?${query(pairs)}: ${res.status} ${res.body}`);
    const bySql = (res.json.entry ?? [])
      .filter((e: { search: { mode: string } }) => e.search.mode === 'match')
      .map((e: { resource: { id: string } }) => e.resource.id)
      .sort();
    const matcher = search.criteriaMatcher(type, pairs);
    if (!matcher) throw new Error(`${type}?${query(pairs)}: the Node matcher cannot evaluate what the search did`);
    const byNode = stored[type]
      .filter((r) => matcher(r as never))
      .map((r) => r.id as string)
      .sort();
    compared++;
    if (bySql.length) nonEmpty++;
    if (JSON.stringify(bySql) !== JSON.stringify(byNode)) {
      throw new Error(`${type}?${decodeURIComponent(query(pairs))}\n  SQL:  ${bySql.join(' ')}\n  Node: ${byNode.join(' ')}`);
    }
  };
  const options = (numRuns: number) => ({ numRuns, ...(SEED !== undefined ? { seed: SEED } : {}) });
  // Every kind of criterion on its own a few times, so that none goes untried...
  let single = 0;
  for (const [type, arbs] of Object.entries(criteria)) {
    for (const arb of arbs) {
      await fc.assert(
        fc.asyncProperty(
          arb.map((pair) => [type, [pair]] as [string, Pairs]),
          check,
        ),
        options(PER_KIND),
      );
      single += PER_KIND;
    }
  }
  // ...every prefix on numbers, quantities and dates, at a value some resource holds (the edges)...
  for (const p of PREFIXES) {
    for (const [type, name, values] of EDGES) {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...values).map((v) => [type, [[name, p + v]]] as [string, Pairs]),
          check,
        ),
        options(1),
      );
      single++;
    }
  }
  // ...then random combinations (ANDed) of up to three.
  const combined = fc
    .constantFrom(...Object.keys(criteria))
    .chain((type) => fc.tuple(fc.constant(type), fc.array(fc.oneof(...criteria[type]), { minLength: 2, maxLength: 3 })));
  await fc.assert(fc.asyncProperty(combined, check), options(RUNS));
  t.equal(compared, single + RUNS, `${compared} searches compared`);
  t.ok(nonEmpty > compared / 4, `enough of them select something (${nonEmpty})`);
});

t.test('a composite quantity searched by unit code without a system (the table has no unit column)', async (t) => {
  const app = await testApp(t);
  const bp = (id: string, value: number) => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text: 'bp' },
    component: [{ code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } }],
  });
  t.equal((await app.fhir('PUT', 'Observation/high', bp('high', 150))).status, 201);
  t.equal((await app.fhir('PUT', 'Observation/low', bp('low', 110))).status, 201);
  const res = await app.fhir('GET', `Observation?component-code-value-quantity=${encodeURIComponent('8480-6$gt140||mm[Hg]')}`);
  t.equal(res.status, 200, 'answered, not a 500');
  t.same(
    res.json.entry.map((e: { resource: { id: string } }) => e.resource.id),
    ['high'],
  );
  const matcher = app.services.search.criteriaMatcher('Observation', [['component-code-value-quantity', '8480-6$gt140||mm[Hg]']]);
  t.equal(matcher?.(bp('high', 150) as never), true, 'and Node agrees');
  t.equal(matcher?.(bp('low', 110) as never), false);
});
