// The plan of a patient's common clinical searches must follow the page, not the patient's history
// (issue 14): the statement the search engine runs starts from search_date_pat's range for the
// patient's date window, and every other criterion is a probe of those rows only. A few thousand
// Observations, ANALYZEd, then EXPLAIN (ANALYZE) of the very statements runSearch sends: losing the
// index (or a statement the planner can no longer drive from it) reads every Observation of the
// patient and fails here. Timing is never asserted; rows read are.
import type { Observation } from '@medplum/fhirtypes';
import t from 'tap';
import { AS_TEST_LOADER, testDatabase } from '../helpers/database.js';
import { ALL_ACCESS } from '../../src/store/context.js';
import type { Database, Queryable } from '../../src/store/db.js';
import { bulkCreate } from '../../src/store/bulk.js';
import { createSearchEngine, type SearchEngine } from '../../src/store/search/engine.js';
import { runSearch } from '../../src/store/search/run.js';
import { observationItems, patientItems } from '../helpers/observations.js';

/** Observation i: patient i % 7, code i % 5, i hours before 2026-06-01 (test/helpers/observations.ts). */
const PATIENTS = 7;
const OBSERVATIONS = 4000;
const FROM = '2026-05-01';
const TAG = { system: 'http://example.org/source', code: 'home-device' };

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The statements `runSearch` (the store's search statement) sends for the search, each with its EXPLAIN (ANALYZE) plan. */
async function plans(db: Database, engine: SearchEngine, params: Array<[string, string]>): Promise<{ ids: string[]; plans: PlanNode[] }> {
  const statements: Array<{ sql: string; params: readonly unknown[] }> = [];
  const recorder: Queryable = {
    query: (sql, values) => {
      statements.push({ sql, params: values ?? [] });
      return db.query(sql, values);
    },
  };
  const result = await runSearch(recorder, ALL_ACCESS, engine.parse(['Observation'], params).request, engine.filters);
  const out: PlanNode[] = [];
  for (const s of statements) {
    const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${s.sql}`, s.params);
    const raw = rows[0]['QUERY PLAN'];
    out.push(((typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>)[0].Plan);
  }
  return { ids: result.matches.map((m) => m.id), plans: out };
}

/** Index rows read by the scans of `relation` (rows returned times loops). */
function rowsRead(all: PlanNode[], relation: RegExp): number {
  return all.filter((n) => relation.test(n['Relation Name'] ?? '')).reduce((sum, n) => sum + n['Actual Rows'] * n['Actual Loops'], 0);
}

t.test("a patient's searches by code or tag and date read the date window, not the patient's history", async (t) => {
  const { db } = await testDatabase(t);
  const engine = createSearchEngine({ baseUrl: 'http://haven.test/fhir', zone: 'UTC', defaultCount: 20, maxCount: 1000 });
  await db.transaction((tx) => bulkCreate(tx, engine.indexer, patientItems(PATIENTS)), AS_TEST_LOADER);
  // Every third Observation carries the tag.
  const items = observationItems(OBSERVATIONS, PATIENTS, 0, true).map((item, i) =>
    i % 3 ? item : { ...item, resource: { ...item.resource, meta: { tag: [TAG] } } },
  );
  await db.transaction((tx) => bulkCreate(tx, engine.indexer, items, 2000), AS_TEST_LOADER);
  await db.exec('ANALYZE');

  // What pat-3 has: its whole history, the part from FROM on (the window), and in it the heart rates
  // and the tagged ones.
  const mine = items.filter((item) => (item.resource as Observation).subject?.reference === 'Patient/pat-3');
  const inWindow = mine.filter((item) => ((item.resource as Observation).effectiveDateTime ?? '') >= FROM);
  const heartRates = inWindow.filter((item) => (item.resource as Observation).code.coding?.[0].code === '8867-4').length;
  const tagged = inWindow.filter((item) => item.resource.meta?.tag).length;
  t.ok(
    mine.length > 5 * inWindow.length && heartRates > 10 && tagged > 10,
    `pat-3: ${mine.length} Observations, ${inWindow.length} in the window, ${heartRates} heart rates, ${tagged} tagged`,
  );
  const cases: Array<{ name: string; params: Array<[string, string]>; matches: number }> = [
    {
      name: 'the benchmark search (code without system, rid order)',
      params: [
        ['subject', 'Patient/pat-3'],
        ['code', '8867-4'],
        ['date', `ge${FROM}`],
        ['_count', '50'],
      ],
      matches: heartRates,
    },
    {
      name: 'code and date, newest first',
      params: [
        ['subject', 'Patient/pat-3'],
        ['code', 'http://loinc.org|8867-4'],
        ['date', `ge${FROM}`],
        ['_sort', '-date'],
        ['_count', '10'],
      ],
      matches: 10,
    },
    {
      name: 'tag and date, newest first',
      params: [
        ['subject', 'Patient/pat-3'],
        ['_tag', `${TAG.system}|${TAG.code}`],
        ['date', `ge${FROM}`],
        ['_sort', '-date'],
        ['_count', '100'],
      ],
      matches: tagged,
    },
  ];
  for (const c of cases) {
    const {
      ids,
      plans: [plan, ...others],
    } = await plans(db, engine, c.params);
    t.equal(others.length, 0, `${c.name}: one statement`);
    t.equal(ids.length, c.matches, `${c.name}: ${c.matches} matches`);
    const all = nodes(plan);
    const windowIndexes = all.map((n) => n['Index Name'] ?? '').filter((name) => name.startsWith('search_date_pat'));
    t.ok(
      windowIndexes.length > 0 && windowIndexes.every((name) => /^search_date_pat_(high|low)$/.test(name)),
      `${c.name}: starts from search_date_pat's range indexes (${windowIndexes.join(', ')})`,
    );
    const windowRows = rowsRead(all, /^search_date_pat$/);
    // Each of the window's two branches (ends after FROM, starts after FROM) reads it once.
    t.ok(windowRows <= 2 * inWindow.length, `${c.name}: reads the window's rows (${windowRows}), not the patient's ${mine.length}`);
    // Every probe (code, tag, subject, the sort key) runs on the window's rows only.
    const probed = all.filter((n) => /^search_(token|token_pat|reference|date)$/.test(n['Relation Name'] ?? ''));
    t.ok(probed.length > 0, `${c.name}: the other criteria are probes`);
    for (const n of probed)
      t.ok(
        n['Actual Loops'] <= inWindow.length,
        `${c.name}: ${n['Relation Name']} probed ${n['Actual Loops']} times (at most the window's ${inWindow.length})`,
      );
    t.notOk(
      all.some((n) => n['Node Type'] === 'Seq Scan' && /^(resource|search_)/.test(n['Relation Name'] ?? '')),
      `${c.name}: no sequential scan`,
    );
  }
});

t.test("a search driven from the patient's date window returns exactly what the undriven search returns", async (t) => {
  const { db } = await testDatabase(t);
  const engine = createSearchEngine({ baseUrl: 'http://haven.test/fhir', zone: 'UTC', defaultCount: 20, maxCount: 1000 });
  await db.transaction((tx) => bulkCreate(tx, engine.indexer, patientItems(3)), AS_TEST_LOADER);
  // Hourly readings, and the shapes a window must not lose: an open Period, a Period ending before
  // it starts (invalid, stored anyway), a Timing of two far-apart events, a date-only value.
  const odd: Observation[] = [
    { effectivePeriod: { start: '2026-05-20T00:00:00Z' } },
    { effectivePeriod: { end: '2026-05-02' } },
    { effectivePeriod: { start: '2026-05-25', end: '2026-05-03' } },
    { effectiveTiming: { event: ['2025-01-01T08:00:00Z', '2026-05-30T08:00:00Z'] } },
    { effectiveDateTime: '2026-05-15' },
  ].map(
    (effective) =>
      ({
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: 'Patient/pat-1' },
        ...effective,
      }) as Observation,
  );
  await db.transaction(
    (tx) => bulkCreate(tx, engine.indexer, [...observationItems(1500, 3), ...odd.map((resource, i) => ({ id: `odd-${i}`, resource }))]),
    AS_TEST_LOADER,
  );
  await db.exec('ANALYZE');

  /** Every page of the search, walked by its cursor: the ids in order. */
  async function walk(params: Array<[string, string]>, driven: boolean): Promise<string[]> {
    const ids: string[] = [];
    const first = engine.parse(['Observation'], params).request;
    let request = first;
    for (let pages = 0; pages < 100; pages++) {
      // Without patientScope no patient index drives: the search of before, the reference here.
      const result = await runSearch(db, ALL_ACCESS, driven ? request : { ...request, patientScope: undefined }, engine.filters);
      ids.push(...result.matches.map((m) => m.id));
      if (!result.next) break;
      request = { ...first, cursor: result.next };
    }
    return ids;
  }
  const dates = [
    'ge2026-05-20',
    'gt2026-05-20',
    'le2026-05-03',
    'lt2026-05-03',
    'eq2026-05-15',
    'sa2026-05-25',
    'eb2026-05-03',
    'ap2026-05-15',
    'ge2026-05-28,le2026-05-01',
  ];
  for (const date of dates) {
    for (const extra of [[], [['_sort', '-date']], [['_sort', 'date']], [['code', '8867-4']]] as Array<Array<[string, string]>>) {
      const params: Array<[string, string]> = [['subject', 'Patient/pat-1'], ['date', date], ['_count', '7'], ...extra];
      const expected = await walk(params, false);
      t.same(await walk(params, true), expected, `${params.map(([n, v]) => `${n}=${v}`).join('&')}: ${expected.length} matches, same order`);
    }
  }
});
