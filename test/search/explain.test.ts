// The index behind every search type: Observations loaded in bulk (through the indexer's own
// extraction), then EXPLAIN of the statements the server sends for token, reference, date and string
// searches and _include (captured over HTTP, audit CTE and access rule included), which must use
// indexes, never a sequential scan of the resource or index tables.
import t from 'tap';
import { AS_TEST_LOADER } from '../helpers/database.js';
import { bulkCreate } from '../../src/store/bulk.js';
import { testApp, type FhirClient } from '../helpers/app.js';
import { observationItems, patientItems } from '../helpers/observations.js';
import { resourceStatements, StatementRecorder } from '../helpers/statements.js';

// 100 Observations per patient, 2,000 per code, one an hour: enough rows that a sequential scan
// costs the planner more than the index, after ANALYZE.
const OBSERVATIONS = 10_000;
const PATIENTS = 100;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

t.test(`searches over ${OBSERVATIONS.toLocaleString('en')} Observations use indexes, not sequential scans`, async (t) => {
  const recorder = new StatementRecorder();
  const app = await testApp(t, {}, { database: (db) => recorder.wrap(db) });
  const { db } = app;
  const indexer = app.services.search.indexer;
  await db.transaction((tx) => bulkCreate(tx, indexer, patientItems(PATIENTS)), AS_TEST_LOADER);
  for (let at = 0; at < OBSERVATIONS; at += 5000) {
    await db.transaction((tx) => bulkCreate(tx, indexer, observationItems(5000, PATIENTS, at, true), 2500), AS_TEST_LOADER);
  }
  await db.exec('ANALYZE');
  const { rows: counted } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Observation'`);
  t.equal(counted[0].n, OBSERVATIONS);
  const asPatient7: FhirClient = app.as(await app.token('patient/*.rs', { patient: 'pat-7' }));

  // `index`: one the last statement must use; for a single criterion, the index on its values that
  // finds the matches (the rid indexes only probe rows already found).
  const cases: Array<{ name: string; client?: FhirClient; path: string; index: RegExp; minMatches: number }> = [
    { name: 'token', path: 'Observation?code=http://loinc.org|8480-6', index: /^search_token_value$/, minMatches: 20 },
    { name: 'reference', path: 'Observation?subject=Patient/pat-7', index: /^search_reference_value$/, minMatches: 20 },
    { name: 'date', path: 'Observation?date=ge2026-05-31', index: /^search_date_(low|high)$/, minMatches: 20 },
    { name: 'string', path: 'Patient?name=given7', index: /^search_string_value$/, minMatches: 11 },
    {
      name: '_include',
      path: 'Observation?subject=Patient/pat-7&_include=Observation:subject',
      index: /^(search_reference_|resource_type_id)/,
      minMatches: 20,
    },
    {
      name: 'the benchmark query',
      path: 'Observation?subject=Patient/pat-5&code=http://loinc.org|8867-4&date=ge2025-01-01&_count=50',
      index: /^search_date_pat_/,
      minMatches: 20,
    },
    {
      name: "a patient token's token search",
      client: asPatient7,
      path: 'Observation?code=http://loinc.org|8462-4',
      index: /^search_token_pat/,
      minMatches: 20,
    },
  ];
  for (const c of cases) {
    let bundle: { entry?: Array<{ search: { mode: string } }> } = {};
    const sent = await recorder.during(async () => {
      const res = await (c.client ?? app.fhir)('GET', c.path);
      t.equal(res.status, 200, `${c.name}: ${res.status}`);
      bundle = res.json;
    });
    const statements = resourceStatements(sent);
    const matches = (bundle.entry ?? []).filter((e) => e.search.mode === 'match').length;
    t.ok(matches >= c.minMatches, `${c.name}: ${matches} matches`);
    if (c.name === '_include') t.equal((bundle.entry ?? []).length - matches, 1, '_include brings the patient');
    t.match(statements[0]?.sql, /audit_access_rows/, `${c.name}: the statement the server sends (audited in it)`);
    for (const [i, s] of statements.entries()) {
      const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${s.sql}`, s.params);
      const raw = rows[0]['QUERY PLAN'];
      const plan = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>)[0].Plan;
      const all = nodes(plan);
      const seq = all.filter((n) => n['Node Type'] === 'Seq Scan' && /^(resource|search_)/.test(n['Relation Name'] ?? ''));
      t.same(
        seq.map((n) => n['Relation Name']),
        [],
        `${c.name} (statement ${i + 1}): no sequential scan`,
      );
      if (i === statements.length - 1) {
        const indexes = all.map((n) => n['Index Name']).filter((n): n is string => !!n);
        t.ok(
          indexes.some((n) => c.index.test(n)),
          `${c.name}: uses ${c.index} (plan uses ${indexes.join(', ')})`,
        );
      }
    }
  }
});
