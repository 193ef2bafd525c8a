// Bulk creation: many resources, their history and index rows in one statement, indexed exactly as
// single creates are; the caller's access is checked for every resource before anything is written.
import t from 'tap';
import { AS_TEST_LOADER } from '../helpers/database.js';
import type { Queryable } from '../../src/store/db.js';
import { ResourceStore } from '../../src/store/resources.js';
import { testApp } from '../helpers/app.js';
import { observationItems, patientItems } from '../helpers/observations.js';
import { idsOf } from './fixtures.js';

t.test('createMany writes 100 Observations in one statement, indexed like single creates', async (t) => {
  const app = await testApp(t);
  const { search } = app.services;
  const ctx = { actor: { requestId: 'test' }, access: { kind: 'all' as const } };
  const statements: string[] = [];
  await app.db.transaction(async (tx) => {
    const recorder: Queryable = { query: (sql, params) => (statements.push(sql), tx.query(sql, params)) };
    const store = new ResourceStore(recorder, ctx, { indexer: search.indexer, clock: () => new Date(), search });
    await store.createMany(patientItems(1));
    statements.length = 0;
    const versions = await store.createMany(observationItems(100, 1).map((item) => ({ resource: item.resource })));
    t.equal(versions.length, 100);
  }, AS_TEST_LOADER);
  t.equal(statements.length, 1, 'one statement for 100 resources and all their rows');

  const single = await app.fhir('POST', 'Observation', observationItems(1, 1)[0].resource);
  const rowsOf = async (id: string) => {
    const { rows } = await app.db.query<{ t: string }>(
      `SELECT 'token ' || param || ' ' || coalesce(system, '') || ' ' || code AS t FROM search_token WHERE rid = (SELECT rid FROM resource WHERE id = $1)
       UNION ALL SELECT 'ref ' || param || ' ' || ref FROM search_reference WHERE rid = (SELECT rid FROM resource WHERE id = $1)
       UNION ALL SELECT 'date ' || param || ' ' || low FROM search_date WHERE rid = (SELECT rid FROM resource WHERE id = $1)
       UNION ALL SELECT 'quantity ' || param || ' ' || value FROM search_quantity WHERE rid = (SELECT rid FROM resource WHERE id = $1)
       ORDER BY 1`,
      [id],
    );
    return rows.map((r) => r.t);
  };
  const { rows: bulkIds } = await app.db.query<{ id: string }>(`SELECT id FROM resource WHERE resource_type = 'Observation' ORDER BY rid LIMIT 1`);
  const bulkRows = await rowsOf(bulkIds[0].id);
  t.ok(bulkRows.length >= 8);
  t.same(bulkRows, await rowsOf(single.json.id), 'the same index rows as a single create of the same Observation');

  const res = await app.fhir('GET', 'Observation?subject=Patient/pat-0&code=http://loinc.org|8867-4&_total=accurate&_count=5');
  t.equal(res.json.total, 21, '20 of the bulk ones and the single one');
  const history = await app.fhir('GET', `Observation/${bulkIds[0].id}/_history`);
  t.equal(history.json.entry.length, 1, 'history written too');
});

t.test('createMany checks the caller may write every resource before writing any', async (t) => {
  const app = await testApp(t);
  const { search } = app.services;
  const ctx = { actor: { requestId: 'test' }, access: { kind: 'compartments' as const, compartments: ['Patient/pat-0'] } };
  const items = observationItems(3, 2); // pat-0, pat-1, pat-0
  const failure = await app.db
    .transaction((tx) => new ResourceStore(tx, ctx, { indexer: search.indexer, clock: () => new Date(), search }).createMany(items), AS_TEST_LOADER)
    .catch((error: unknown) => error);
  t.match(failure, { status: 403 }, 'refused with 403');
  t.same(idsOf((await app.fhir('GET', 'Observation')).json), [], 'nothing stored');
});
