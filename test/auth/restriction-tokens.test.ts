// SMART v2 query restrictions decide reads, searches and writes for every kind of token (Coding,
// CodeableConcept, Identifier, boolean, code) and every other parameter type, through HTTP with
// real tokens: a restricted scope admits what `GET [type]?<restriction>` returns (Haven policy,
// reference/smart-scopes.md 1.6), matched by the search engine's own criteria (issue 12). Each case
// has a resource that matches and one that nearly does (the same code in another system, the
// other boolean, the value at the edge), so a matcher that skips a kind of value fails here.
// A restriction on a SearchParameter that `haven reindex` activated is honoured as well.
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { createServices, Runtime } from '../../src/runtime.js';
import { createSearchEngine } from '../../src/store/search/engine.js';
import { activeSearchParameters, reindex, storedSearchParameters } from '../../src/store/search/reindex.js';
import { readResponse, sharedValidator, testApp, type FhirClient } from '../helpers/app.js';

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const TAGS = 'urn:haven:test-tags';
const TIER = 'urn:haven:test:app-tier';

type Json = Record<string, unknown> & { resourceType: string; id: string };

const observation = (
  id: string,
  o: { category: string; status: string; tag: string; idSystem: string; patient: string; date: string; mmHg: number; profile: string },
): Json => ({
  resourceType: 'Observation',
  id,
  meta: { tag: [{ system: TAGS, code: o.tag }], profile: [o.profile] },
  status: o.status,
  category: [{ coding: [{ system: CATEGORY, code: o.category }] }],
  code: { coding: [{ system: LOINC, code: '85354-9' }], text: 'blood pressure' },
  identifier: [{ system: o.idSystem, value: '123' }],
  subject: { reference: `Patient/${o.patient}` },
  effectiveDateTime: o.date,
  valueQuantity: { value: o.mmHg, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
  component: [{ code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: o.mmHg, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } }],
});
const vitals = {
  category: 'vital-signs',
  status: 'final',
  tag: 'a',
  idSystem: 'urn:sys-a',
  patient: 'p1',
  date: '2024-03-15',
  mmHg: 120,
  profile: 'http://x.org/vitals',
};
// The near miss: every value one step off (another system, another code, the edge of the range).
const nearMiss = {
  category: 'laboratory',
  status: 'amended',
  tag: 'b',
  idSystem: 'urn:sys-b',
  patient: 'p2',
  date: '2023-12-31',
  mmHg: 100,
  profile: 'http://x.org/vitals-other',
};

const patient = (id: string, p: { active?: boolean; family: string; gender?: string }): Json => ({
  resourceType: 'Patient',
  id,
  ...(p.active !== undefined ? { active: p.active } : {}),
  ...(p.gender ? { gender: p.gender } : {}),
  name: [{ family: p.family }],
});
const risk = (id: string, probability: number): Json => ({
  resourceType: 'RiskAssessment',
  id,
  status: 'final',
  subject: { reference: 'Patient/p1' },
  prediction: [{ probabilityDecimal: probability }],
});

interface Case {
  what: string;
  type: string;
  restriction: string;
  /** Stored: the resources the restriction admits and those it does not. */
  admitted: Json[];
  refused: Json[];
}

const cases: Case[] = [
  {
    what: 'Coding (_tag)',
    type: 'Observation',
    restriction: `_tag=${TAGS}|a`,
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, tag: 'b' })],
  },
  {
    what: 'CodeableConcept (category)',
    type: 'Observation',
    restriction: `category=${CATEGORY}|vital-signs`,
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, category: 'laboratory' })],
  },
  {
    what: 'Identifier (identifier, system and value)',
    type: 'Observation',
    restriction: 'identifier=urn:sys-a|123',
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, idSystem: 'urn:sys-b' })],
  },
  {
    what: 'code (status)',
    type: 'Observation',
    restriction: 'status=final',
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, status: 'amended' })],
  },
  {
    what: 'code with :not',
    type: 'Observation',
    restriction: 'status:not=amended',
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, status: 'amended' })],
  },
  {
    what: 'boolean (active)',
    type: 'Patient',
    restriction: 'active=true',
    admitted: [patient('p1', { active: true, family: 'Muñoz' })],
    refused: [patient('p2', { active: false, family: 'Muñoz' }), patient('p3', { family: 'Muñoz' })],
  },
  {
    what: 'boolean false (active)',
    type: 'Patient',
    restriction: 'active=false',
    admitted: [patient('p2', { active: false, family: 'Smith' })],
    refused: [patient('p1', { active: true, family: 'Smith' }), patient('p3', { family: 'Smith' })],
  },
  {
    what: 'string (family, accents and case folded)',
    type: 'Patient',
    restriction: 'family=munoz',
    admitted: [patient('p1', { family: 'Muñoz' })],
    refused: [patient('p2', { family: 'Mun' })],
  },
  {
    what: 'date (date, prefix)',
    type: 'Observation',
    restriction: 'date=ge2024-01-01',
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, date: '2023-12-31' })],
  },
  {
    what: 'quantity (value-quantity, prefix and unit)',
    type: 'Observation',
    restriction: `value-quantity=gt100|${UCUM}|mm[Hg]`,
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, mmHg: 100 })],
  },
  { what: 'number (probability)', type: 'RiskAssessment', restriction: 'probability=gt0.5', admitted: [risk('r1', 0.8)], refused: [risk('r2', 0.5)] },
  {
    what: 'reference (subject)',
    type: 'Observation',
    restriction: 'subject=Patient/p1',
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, patient: 'p2' })],
  },
  {
    what: 'uri (_profile)',
    type: 'Observation',
    restriction: '_profile=http://x.org/vitals',
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, profile: 'http://x.org/vitals-other' })],
  },
  {
    what: 'composite (component-code-value-quantity)',
    type: 'Observation',
    restriction: `component-code-value-quantity=${LOINC}|8480-6$gt100`,
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, mmHg: 100 })],
  },
  {
    what: 'several parameters (AND)',
    type: 'Observation',
    restriction: `category=vital-signs&identifier=urn:sys-a|123`,
    admitted: [observation('o1', vitals)],
    refused: [observation('o2', { ...vitals, idSystem: 'urn:sys-b' }), observation('o3', { ...vitals, category: 'laboratory' }), observation('o4', nearMiss)],
  },
];

const idsOf = (bundle: { entry?: Array<{ resource: { id: string }; search?: { mode: string } }> }) =>
  (bundle.entry ?? [])
    .filter((e) => e.search?.mode !== 'outcome')
    .map((e) => e.resource.id)
    .sort();

t.test('restrictions on each kind of value decide reads, searches and writes', async (t) => {
  const app = await testApp(t);
  for (const [i, c] of cases.entries()) {
    // Each case's resources under ids of their own (c<i>-...), in one database.
    const own = (r: Json): Json => ({ ...r, id: `c${i}-${r.id}` });
    const admitted = c.admitted.map(own);
    const refused = c.refused.map(own);
    t.test(`${c.what}: ${c.type}?${c.restriction}`, async (t) => {
      for (const r of [...admitted, ...refused]) t.equal((await app.fhir('PUT', `${r.resourceType}/${r.id}`, r)).status, 201, `stored ${r.id}`);
      const restricted = app.as(await app.token(`system/${c.type}.cruds?${c.restriction}`));

      for (const r of admitted) {
        t.equal((await restricted('GET', `${c.type}/${r.id}`)).status, 200, `read of ${r.id}: admitted`);
        t.equal((await restricted('GET', `${c.type}/${r.id}/_history/1`)).status, 200, `and its version`);
      }
      for (const r of refused) {
        t.equal((await restricted('GET', `${c.type}/${r.id}`)).status, 404, `read of ${r.id}: refused`);
        t.equal((await restricted('GET', `${c.type}/${r.id}/_history/1`)).status, 404, `and its version`);
      }
      const mine = [...admitted, ...refused].map((r) => r.id).join(',');
      t.same(idsOf((await restricted('GET', `${c.type}?_id=${mine}`)).json), admitted.map((r) => r.id).sort(), 'search returns what it admits');

      const [yes] = admitted;
      const [no] = refused;
      t.equal((await restricted('POST', c.type, { ...yes, id: undefined })).status, 201, 'create of a matching resource');
      t.equal((await restricted('POST', c.type, { ...no, id: undefined })).status, 403, 'create of one that does not match');
      t.equal((await restricted('PUT', `${c.type}/${yes.id}`, { ...no, id: yes.id })).status, 403, 'update into one that does not match');
      t.equal((await restricted('PUT', `${c.type}/${no.id}`, { ...yes, id: no.id })).status, 403, 'update of one that does not match');
      t.equal((await restricted('PUT', `${c.type}/${yes.id}`, yes)).status, 200, 'update that keeps matching');
      await restricted('DELETE', `${c.type}/${no.id}`);
      t.equal((await app.fhir('GET', `${c.type}/${no.id}`)).json?.meta?.versionId, '1', 'delete of one that does not match changes nothing');
    });
  }
});

t.test('a restriction on a SearchParameter activated by haven reindex is honoured', async (t) => {
  const app = await testApp(t);
  const tiered = (id: string, tier: string): Json => ({ resourceType: 'Patient', id, extension: [{ url: TIER, valueCode: tier }] });
  t.equal((await app.fhir('PUT', 'Patient/a', tiered('a', 'gold'))).status, 201);
  t.equal((await app.fhir('PUT', 'Patient/b', tiered('b', 'silver'))).status, 201);
  const sp = await app.fhir('POST', 'SearchParameter', {
    resourceType: 'SearchParameter',
    url: 'http://haven.example/fhir/SearchParameter/patient-app-tier',
    name: 'app-tier',
    status: 'active',
    description: 'The tier of a patient',
    code: 'app-tier',
    base: ['Patient'],
    type: 'token',
    expression: `Patient.extension('${TIER}').value`,
  });
  t.equal(sp.status, 201);
  const scope = 'system/Patient.cruds?app-tier=gold';
  t.equal(
    (await app.as(await app.token(scope))('GET', 'Patient/a')).status,
    403,
    'before the reindex the parameter is not active: the restriction grants nothing',
  );

  const custom = await storedSearchParameters(app.db);
  const engine = createSearchEngine({ baseUrl: app.config.fhirBaseUrl, zone: 'UTC', defaultCount: 20, maxCount: 100, custom });
  await reindex(app.db, engine, { types: ['Patient'], custom });

  // A server started after the reindex loads the parameter, and its restrictions with it.
  const services = createServices(app.config, app.db, { validator: sharedValidator(), customSearchParameters: await activeSearchParameters(app.db) });
  const runtime = new Runtime();
  runtime.set(services);
  const restarted = buildApp({ config: app.config, runtime, logger: false });
  t.teardown(() => restarted.close());
  const token = await app.token(scope);
  const as: FhirClient = async (method, path, body) =>
    readResponse(
      await restarted.inject({
        method,
        url: `/fhir/${path}`,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
        ...(body ? { payload: JSON.stringify(body) } : {}),
      }),
    );
  t.equal((await as('GET', 'Patient/a')).status, 200, 'a gold patient is read');
  t.equal((await as('GET', 'Patient/b')).status, 404, 'a silver one is not');
  t.same(idsOf((await as('GET', 'Patient')).json), ['a'], 'search returns the gold one');
  t.equal((await as('POST', 'Patient', { ...tiered('x', 'gold'), id: undefined })).status, 201, 'a gold patient may be created');
  t.equal((await as('POST', 'Patient', { ...tiered('x', 'silver'), id: undefined })).status, 403, 'a silver one may not');
});
