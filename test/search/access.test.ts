// The caller's access confines every part of a search inside the SQL: matches, _include,
// _revinclude, :iterate, chains, _has and counts. A patient-confined caller must not learn anything
// about another patient's data through any of them (Microsoft's FHIR server leaked through _include).
import t from 'tap';
import type { Access } from '../../src/store/context.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { idsOf, loadFixtures } from './fixtures.js';

let app: TestApp;
const P1: Access = { kind: 'compartments', compartments: ['Patient/p1'] };

t.before(async () => {
  app = await testApp(t);
  await loadFixtures(app);
  const put = (r: Record<string, unknown>) => app.fhir('PUT', `${r.resourceType}/${r.id}`, r);
  // p1's Observation that points at p2's; p2's Observations that point at p1's data.
  await put({ resourceType: 'Observation', id: 'o6', status: 'final', code: { text: 'panel' }, subject: { reference: 'Patient/p1' }, hasMember: [{ reference: 'Observation/o3' }] });
  await put({ resourceType: 'Observation', id: 'o7', status: 'final', code: { text: 'derived' }, subject: { reference: 'Patient/p2' }, derivedFrom: [{ reference: 'Observation/o1' }] });
  await put({ resourceType: 'Observation', id: 'o8', status: 'final', code: { text: 'about p1' }, subject: { reference: 'Patient/p2' }, focus: [{ reference: 'Patient/p1' }] });
});

async function search(access: Access, type: string, params: Array<[string, string]>) {
  const engine = app.services.search;
  const parsed = engine.parse([type], params);
  return engine.run(app.db, access, parsed.request);
}

const ids = (found: Array<{ id: string }>) => found.map((f) => f.id).sort();

t.test('matches: only the caller compartment', async (t) => {
  const all = await search(P1, 'Observation', [['code', '8867-4']]);
  t.same(ids(all.matches), ['o1']);
  t.same(ids((await search({ kind: 'all' }, 'Observation', [['code', '8867-4']])).matches), ['o1', 'o3', 'o4', 'o5'], 'the same search without the restriction');
  // system|code: searched from the patient-keyed token rows of the caller's compartment
  t.same(ids((await search(P1, 'Observation', [['code', 'http://loinc.org|8867-4']])).matches), ['o1']);
  t.same(ids((await search(P1, 'Observation', [['code', 'http://loinc.org|85354-9']])).matches), ['o2']);
  const two: Access = { kind: 'compartments', compartments: ['Patient/p1', 'Patient/p2'] };
  t.same(ids((await search(two, 'Observation', [['code', 'http://loinc.org|8867-4']])).matches), ['o1', 'o4']);
});

t.test('_include and :iterate never bring in resources outside the compartment', async (t) => {
  const r = await search(P1, 'Observation', [['_id', 'o6'], ['_include', 'Observation:has-member']]);
  t.same(ids(r.matches), ['o6']);
  t.same(ids(r.included), [], "p2's Observation referenced by p1's is not included");
  const open = await search({ kind: 'all' }, 'Observation', [['_id', 'o6'], ['_include', 'Observation:has-member']]);
  t.same(ids(open.included), ['o3'], 'it would be without the restriction');
  const iterate = await search(P1, 'Observation', [['_id', 'o6'], ['_include', 'Observation:subject'], ['_include:iterate', 'Observation:has-member']]);
  t.same(ids(iterate.included), ['p1']);
});

t.test('_revinclude never brings in resources outside the compartment', async (t) => {
  const r = await search(P1, 'Observation', [['_id', 'o1'], ['_revinclude', 'Observation:derived-from']]);
  t.same(ids(r.included), []);
  t.same(ids((await search({ kind: 'all' }, 'Observation', [['_id', 'o1'], ['_revinclude', 'Observation:derived-from']])).included), ['o7']);
  const focus = await search(P1, 'Patient', [['_id', 'p1'], ['_revinclude', 'Observation:focus']]);
  t.same(ids(focus.included), []);
});

t.test('chains and _has do not reveal resources outside the compartment', async (t) => {
  t.same(ids((await search(P1, 'Observation', [['has-member.code', 'urn:other-codes|8867-4']])).matches), []);
  t.same(ids((await search({ kind: 'all' }, 'Observation', [['has-member.code', 'urn:other-codes|8867-4']])).matches), ['o6']);
  t.same(ids((await search(P1, 'Patient', [['_has:Observation:focus:code:text', 'about']])).matches), []);
  t.same(ids((await search({ kind: 'all' }, 'Patient', [['_has:Observation:focus:code:text', 'about']])).matches), ['p1']);
});

t.test('counts: _total and _summary=count count only what the caller may see', async (t) => {
  t.equal((await search(P1, 'Observation', [['_total', 'accurate']])).total, 3, 'o1, o2, o6');
  t.equal((await search(P1, 'Observation', [['_summary', 'count']])).total, 3);
  t.equal((await search({ kind: 'all' }, 'Observation', [['_summary', 'count']])).total, 8);
  t.equal((await search({ kind: 'compartments', compartments: [] }, 'Observation', [['_summary', 'count']])).total, 0);
});

t.test('compartments are computed from the Patient CompartmentDefinition', async (t) => {
  const { rows } = await app.db.query<{ id: string; compartments: string[] }>(
    `SELECT id, compartments FROM resource WHERE id IN ('p1', 'o1', 'o2', 'o5', 'o8', 'r1', 'org1', 'q1') ORDER BY id`,
  );
  t.same(Object.fromEntries(rows.map((r) => [r.id, r.compartments])), {
    o1: ['Patient/p1'],
    o2: ['Patient/p1'],
    o5: [],
    o8: ['Patient/p2'],
    org1: [],
    p1: ['Patient/p1'],
    q1: [],
    r1: ['Patient/p1'],
  }, 'subject places an Observation in its patient compartment, focus does not; an absolute URL to this server counts');
  const res = await app.fhir('GET', 'Patient/p2/Observation');
  t.same(idsOf(res.json), ['o3', 'o4', 'o7', 'o8']);
});

t.test('criteriaCondition turns a scope query restriction into SQL over any alias', async (t) => {
  const { criteriaCondition } = await import('../../src/store/search/compile.js');
  const { Statement } = await import('../../src/store/statement.js');
  const { criteria } = app.services.search.parse(['Observation'], [['category', 'vital-signs']]).request;
  const stmt = new Statement();
  const condition = criteriaCondition(stmt, criteria, 'h');
  const { rows } = await app.db.query<{ id: string }>(`SELECT h.id FROM resource h WHERE h.resource_type = 'Observation' AND ${condition} ORDER BY h.id`, stmt.params);
  t.same(rows.map((r) => r.id), ['o1'], 'only the vital-signs Observation');
});

t.test('the engine compiles access query restrictions (FilterCompiler): alternatives ORed, unknown parameters close', async (t) => {
  const { Statement } = await import('../../src/store/statement.js');
  const run = async (anyOf: Array<Array<[string, string]>>) => {
    const stmt = new Statement();
    const condition = app.services.search.filters({ resourceType: 'Observation', anyOf }, 'x', stmt);
    const { rows } = await app.db.query<{ id: string }>(`SELECT x.id FROM resource x WHERE x.resource_type = 'Observation' AND NOT x.deleted AND ${condition} ORDER BY x.id`, stmt.params);
    return rows.map((r) => r.id);
  };
  t.same(await run([[['category', 'vital-signs']]]), ['o1']);
  t.same(await run([[['category', 'vital-signs']], [['code', 'http://loinc.org|85354-9']]]), ['o1', 'o2'], 'alternatives OR');
  t.same(await run([[['code', '8867-4'], ['subject', 'Patient/p2']]]), ['o3', 'o4'], 'parameters of one alternative AND');
  t.same(await run([[['nonsense', '1']]]), [], 'a restriction that cannot be applied admits nothing');
  t.same(await run([[['date', 'not-a-date']], [['category', 'vital-signs']]]), ['o1'], 'only the broken alternative closes');
});
