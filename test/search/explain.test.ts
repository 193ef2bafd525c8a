// The index behind every search type: 50,000 Observations loaded in bulk (through the indexer's own
// extraction), then EXPLAIN of the SQL that token, reference, date and string searches and
// _include run, which must use indexes, never a sequential scan of the resource or index tables.
import t from 'tap';
import { AS_TEST_LOADER } from '../helpers/database.js';
import { ALL_ACCESS } from '../../src/store/context.js';
import type { Queryable } from '../../src/store/db.js';
import { bulkCreate } from '../../src/store/bulk.js';
import { createSearchEngine } from '../../src/store/search/engine.js';
import { testDatabase } from '../helpers/database.js';
import { observationItems, patientItems } from '../helpers/observations.js';

const OBSERVATIONS = 50_000;
const PATIENTS = 500;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

t.test('searches over 50,000 Observations use indexes, not sequential scans', async (t) => {
  const { db } = await testDatabase(t);
  const engine = createSearchEngine({ baseUrl: 'http://haven.test/fhir', zone: 'UTC', defaultCount: 20, maxCount: 1000 });
  await db.transaction((tx) => bulkCreate(tx, engine.indexer, patientItems(PATIENTS)), AS_TEST_LOADER);
  for (let at = 0; at < OBSERVATIONS; at += 5000) {
    await db.transaction((tx) => bulkCreate(tx, engine.indexer, observationItems(5000, PATIENTS, at, true), 2500), AS_TEST_LOADER);
  }
  await db.exec('ANALYZE');
  const { rows: counted } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Observation'`);
  t.equal(counted[0].n, OBSERVATIONS);

  const cases: Array<{ name: string; type: string; params: Array<[string, string]>; index: RegExp; minMatches: number }> = [
    { name: 'token', type: 'Observation', params: [['code', 'http://loinc.org|8480-6']], index: /^search_token_/, minMatches: 20 },
    { name: 'reference', type: 'Observation', params: [['subject', 'Patient/pat-7']], index: /^search_reference_/, minMatches: 20 },
    { name: 'date', type: 'Observation', params: [['date', 'ge2026-05-31']], index: /^search_date_/, minMatches: 20 },
    { name: 'string', type: 'Patient', params: [['name', 'given7']], index: /^search_string_/, minMatches: 11 },
    {
      name: '_include',
      type: 'Observation',
      params: [['subject', 'Patient/pat-7'], ['_include', 'Observation:subject']],
      index: /^(search_reference_|resource_type_id)/,
      minMatches: 20,
    },
    {
      name: 'the benchmark query',
      type: 'Observation',
      params: [['subject', 'Patient/pat-5'], ['code', 'http://loinc.org|8867-4'], ['date', 'ge2025-01-01'], ['_count', '50']],
      index: /^search_date_pat_/,
      minMatches: 20,
    },
  ];
  for (const c of cases) {
    const statements: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: Queryable = {
      query: (sql, params) => {
        statements.push({ sql, params: params ?? [] });
        return db.query(sql, params);
      },
    };
    const parsed = engine.parse([c.type], c.params);
    const result = await engine.run(recorder, ALL_ACCESS, parsed.request);
    t.ok(result.matches.length >= c.minMatches, `${c.name}: ${result.matches.length} matches`);
    if (c.name === '_include') t.equal(result.included.length, 1, '_include brings the patient');
    for (const [i, s] of statements.entries()) {
      const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${s.sql}`, s.params);
      const raw = rows[0]['QUERY PLAN'];
      const plan = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>)[0].Plan;
      const all = nodes(plan);
      const seq = all.filter((n) => n['Node Type'] === 'Seq Scan' && /^(resource|search_)/.test(n['Relation Name'] ?? ''));
      t.same(seq.map((n) => n['Relation Name']), [], `${c.name} (statement ${i + 1}): no sequential scan`);
      if (i === statements.length - 1) {
        const indexes = all.map((n) => n['Index Name']).filter((n): n is string => !!n);
        t.ok(indexes.some((n) => c.index.test(n)), `${c.name}: uses ${c.index} (plan uses ${indexes.join(', ')})`);
      }
    }
  }
});
