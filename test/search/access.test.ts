// The caller's access confines every part of a search inside the SQL: matches, _include,
// _revinclude, :iterate, chains, _has and counts. A patient-confined caller must not learn anything
// about another patient's data through any of them (Microsoft's FHIR server leaked through _include).
// The caller's access confines every part of a search inside the SQL: matches, _include,
// _revinclude, :iterate, chains, _has and counts. A patient-confined caller must not learn anything
// about another patient's data through any of them (Microsoft's FHIR server leaked through _include).
// Searches go the server's way (over HTTP with a patient token, or the store's front door), and the
// statements they send are captured: each resource they read carries the access rule in the SQL.
import t, { type Test } from 'tap';
import type { Access } from '../../src/store/context.js';
import type { SearchResult } from '../../src/store/search/run.js';
import { testApp, type FhirClient, type TestApp } from '../helpers/app.js';
import { resourceStatements, StatementRecorder, type SentStatement } from '../helpers/statements.js';
import { idsOf, loadFixtures } from './fixtures.js';

let app: TestApp;
/** A patient/*.rs token for p1: the server gives it p1's compartment. */
let asP1: FhirClient;
const recorder = new StatementRecorder();

t.before(async () => {
  app = await testApp(t, {}, { database: (db) => recorder.wrap(db) });
  await loadFixtures(app);
  const put = (r: Record<string, unknown>) => app.fhir('PUT', `${r.resourceType}/${r.id}`, r);
  // p1's Observation that points at p2's; p2's Observations that point at p1's data.
  await put({
    resourceType: 'Observation',
    id: 'o6',
    status: 'final',
    code: { text: 'panel' },
    subject: { reference: 'Patient/p1' },
    hasMember: [{ reference: 'Observation/o3' }],
  });
  await put({
    resourceType: 'Observation',
    id: 'o7',
    status: 'final',
    code: { text: 'derived' },
    subject: { reference: 'Patient/p2' },
    derivedFrom: [{ reference: 'Observation/o1' }],
  });
  await put({
    resourceType: 'Observation',
    id: 'o8',
    status: 'final',
    code: { text: 'about p1' },
    subject: { reference: 'Patient/p2' },
    focus: [{ reference: 'Patient/p1' }],
  });
  asP1 = app.as(await app.token('patient/*.rs', { patient: 'p1' }));
});

interface Searched {
  matches: string[];
  included: string[];
  total?: number;
  /** The statements the search sent that read resources. */
  statements: SentStatement[];
}

/** A search over HTTP as `client` (the default: a system/*.rs token, which sees everything). */
async function search(client: FhirClient | undefined, type: string, params: Array<[string, string]>): Promise<Searched> {
  let json: { total?: number; entry?: [] } = {};
  const sent = await recorder.during(async () => {
    const res = await (client ?? app.fhir)('GET', `${type}?${new URLSearchParams(params)}`);
    if (res.status !== 200) throw new Error(`${type} search: ${res.status} ${res.body}`);
    json = res.json;
  });
  return { matches: idsOf(json as never), included: idsOf(json as never, 'include'), total: json.total, statements: resourceStatements(sent) };
}

/** A search through the store's front door with an Access no token shape gives (several patients). */
async function searchAs(access: Access, type: string, params: Array<[string, string]>): Promise<Searched> {
  const parsed = app.services.search.parse([type], params);
  let result: SearchResult = { matches: [], included: [], includesTruncated: false };
  const sent = await recorder.during(async () => {
    result = await app.services.store
      .reader({ actor: { requestId: 'access-test' }, access })
      .searchPage(parsed.request, `${type}?${new URLSearchParams(params)}`);
  });
  const ids = (found: Array<{ id: string }>) => found.map((f) => f.id).sort();
  return { matches: ids(result.matches), included: ids(result.included), total: result.total, statements: resourceStatements(sent) };
}

/**
 * Every resource each statement reads (each `resource <alias>`, the matches, included resources,
 * the targets of chains and the sources of _has) is confined by `<alias>.compartments && $n` with
 * exactly `compartments` bound: the access rule is in the statement the server sent.
 */
function confined(t: Test, searched: Searched, compartments: string[]): void {
  t.ok(searched.statements.length, 'the search sent statements that read resources');
  for (const [i, s] of searched.statements.entries()) {
    const aliases = [...s.sql.matchAll(/\b(?:FROM|JOIN) resource (\w+)/g)].map((m) => m[1]);
    t.ok(aliases.length, `statement ${i + 1} reads the resource table`);
    for (const alias of aliases) {
      const bound = [...s.sql.matchAll(new RegExp(`\\b${alias}\\.compartments && \\$(\\d+)::text\\[\\]`, 'g'))].map((m) => s.params[Number(m[1]) - 1]);
      t.ok(
        bound.some((p) => JSON.stringify(p) === JSON.stringify(compartments)),
        `statement ${i + 1}: resource ${alias} is confined to ${compartments.join(', ')}`,
      );
    }
  }
}

t.test('matches: only the caller compartment', async (t) => {
  const mine = await search(asP1, 'Observation', [['code', '8867-4']]);
  t.same(mine.matches, ['o1']);
  confined(t, mine, ['Patient/p1']);
  t.match(mine.statements[0].sql, /audit_access_rows/, "the server's statement: the search is audited in it");
  t.same((await search(undefined, 'Observation', [['code', '8867-4']])).matches, ['o1', 'o3', 'o4', 'o5'], 'the same search without the restriction');
  // system|code: searched from the patient-keyed token rows of the caller's compartment
  const keyed = await search(asP1, 'Observation', [['code', 'http://loinc.org|8867-4']]);
  t.same(keyed.matches, ['o1']);
  confined(t, keyed, ['Patient/p1']);
  t.match(keyed.statements[0].sql, /\bsearch_token_pat d\b/, 'driven by the patient-keyed token rows');
  t.same((await search(asP1, 'Observation', [['code', 'http://loinc.org|85354-9']])).matches, ['o2']);
  const two = await searchAs({ kind: 'compartments', compartments: ['Patient/p1', 'Patient/p2'] }, 'Observation', [['code', 'http://loinc.org|8867-4']]);
  t.same(two.matches, ['o1', 'o4']);
  confined(t, two, ['Patient/p1', 'Patient/p2']);
});

t.test('_include and :iterate never bring in resources outside the compartment', async (t) => {
  const r = await search(asP1, 'Observation', [
    ['_id', 'o6'],
    ['_include', 'Observation:has-member'],
  ]);
  t.same(r.matches, ['o6']);
  t.same(r.included, [], "p2's Observation referenced by p1's is not included");
  t.equal(r.statements.length, 2, 'the page, then one include round');
  confined(t, r, ['Patient/p1']);
  const open = await search(undefined, 'Observation', [
    ['_id', 'o6'],
    ['_include', 'Observation:has-member'],
  ]);
  t.same(open.included, ['o3'], 'it would be without the restriction');
  const iterate = await search(asP1, 'Observation', [
    ['_id', 'o6'],
    ['_include', 'Observation:subject'],
    ['_include:iterate', 'Observation:has-member'],
  ]);
  t.same(iterate.included, ['p1']);
  confined(t, iterate, ['Patient/p1']);
});

t.test('_revinclude never brings in resources outside the compartment', async (t) => {
  const r = await search(asP1, 'Observation', [
    ['_id', 'o1'],
    ['_revinclude', 'Observation:derived-from'],
  ]);
  t.same(r.included, []);
  confined(t, r, ['Patient/p1']);
  t.same(
    (
      await search(undefined, 'Observation', [
        ['_id', 'o1'],
        ['_revinclude', 'Observation:derived-from'],
      ])
    ).included,
    ['o7'],
  );
  const focus = await search(asP1, 'Patient', [
    ['_id', 'p1'],
    ['_revinclude', 'Observation:focus'],
  ]);
  t.same(focus.included, []);
  confined(t, focus, ['Patient/p1']);
});

t.test('chains and _has do not reveal resources outside the compartment', async (t) => {
  const chain = await search(asP1, 'Observation', [['has-member.code', 'urn:other-codes|8867-4']]);
  t.same(chain.matches, []);
  confined(t, chain, ['Patient/p1']);
  t.same((await search(undefined, 'Observation', [['has-member.code', 'urn:other-codes|8867-4']])).matches, ['o6']);
  const has = await search(asP1, 'Patient', [['_has:Observation:focus:code:text', 'about']]);
  t.same(has.matches, []);
  confined(t, has, ['Patient/p1']);
  t.same((await search(undefined, 'Patient', [['_has:Observation:focus:code:text', 'about']])).matches, ['p1']);
});

t.test('counts: _total and _summary=count count only what the caller may see', async (t) => {
  const total = await search(asP1, 'Observation', [['_total', 'accurate']]);
  t.equal(total.total, 3, 'o1, o2, o6');
  confined(t, total, ['Patient/p1']);
  const counted = await search(asP1, 'Observation', [['_summary', 'count']]);
  t.equal(counted.total, 3);
  confined(t, counted, ['Patient/p1']);
  t.equal((await search(undefined, 'Observation', [['_summary', 'count']])).total, 8);
  t.equal((await searchAs({ kind: 'compartments', compartments: [] }, 'Observation', [['_summary', 'count']])).total, 0);
});

t.test('compartments are computed from the Patient CompartmentDefinition', async (t) => {
  const { rows } = await app.db.query<{ id: string; compartments: string[] }>(
    `SELECT id, compartments FROM resource WHERE id IN ('p1', 'o1', 'o2', 'o5', 'o8', 'r1', 'org1', 'q1') ORDER BY id`,
  );
  t.same(
    Object.fromEntries(rows.map((r) => [r.id, r.compartments])),
    {
      o1: ['Patient/p1'],
      o2: ['Patient/p1'],
      o5: [],
      o8: ['Patient/p2'],
      org1: [],
      p1: ['Patient/p1'],
      q1: [],
      r1: ['Patient/p1'],
    },
    'subject places an Observation in its patient compartment, focus does not; an absolute URL to this server counts',
  );
  const res = await app.fhir('GET', 'Patient/p2/Observation');
  t.same(idsOf(res.json), ['o3', 'o4', 'o7', 'o8']);
});

t.test('criteriaCondition turns a scope query restriction into SQL over any alias', async (t) => {
  const { criteriaCondition } = await import('../../src/store/search/compile.js');
  const { Statement } = await import('../../src/store/statement.js');
  const { criteria } = app.services.search.parse(['Observation'], [['category', 'vital-signs']]).request;
  const stmt = new Statement();
  const condition = criteriaCondition(stmt, criteria, 'h');
  const { rows } = await app.db.query<{ id: string }>(
    `SELECT h.id FROM resource h WHERE h.resource_type = 'Observation' AND ${condition} ORDER BY h.id`,
    stmt.params,
  );
  t.same(
    rows.map((r) => r.id),
    ['o1'],
    'only the vital-signs Observation',
  );
});

t.test('the engine compiles access query restrictions (FilterCompiler): alternatives ORed, unknown parameters close', async (t) => {
  const { Statement } = await import('../../src/store/statement.js');
  const run = async (anyOf: Array<Array<[string, string]>>) => {
    const stmt = new Statement();
    const condition = app.services.search.filters({ resourceType: 'Observation', anyOf }, 'x', stmt);
    const { rows } = await app.db.query<{ id: string }>(
      `SELECT x.id FROM resource x WHERE x.resource_type = 'Observation' AND NOT x.deleted AND ${condition} ORDER BY x.id`,
      stmt.params,
    );
    return rows.map((r) => r.id);
  };
  t.same(await run([[['category', 'vital-signs']]]), ['o1']);
  t.same(await run([[['category', 'vital-signs']], [['code', 'http://loinc.org|85354-9']]]), ['o1', 'o2'], 'alternatives OR');
  t.same(
    await run([
      [
        ['code', '8867-4'],
        ['subject', 'Patient/p2'],
      ],
    ]),
    ['o3', 'o4'],
    'parameters of one alternative AND',
  );
  t.same(await run([[['nonsense', '1']]]), [], 'a restriction that cannot be applied admits nothing');
  t.same(await run([[['date', 'not-a-date']], [['category', 'vital-signs']]]), ['o1'], 'only the broken alternative closes');
});
