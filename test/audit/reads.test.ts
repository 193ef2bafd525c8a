// Reads, vreads and histories record themselves in the statement that reads: who, what (the
// resources returned, their compartments, how many) and the request.
import t from 'tap';
import { ALL_ACCESS } from '../../src/store/context.js';
import { Statement } from '../../src/store/statement.js';
import { addAccessAudit } from '../../src/store/audit.js';
import { actAs, auditRows } from '../helpers/audit.js';
import { testApp } from '../helpers/app.js';

t.test('reads and histories leave their audit rows', async (t) => {
  const app = await testApp(t);
  const { fhir, db } = app;
  const { json: p } = await fhir('POST', 'Patient', { resourceType: 'Patient', gender: 'female' });
  const obs = { resourceType: 'Observation', status: 'final', code: { text: 'mood' }, subject: { reference: `Patient/${p.id}` } };
  const { json: o } = await fhir('POST', 'Observation', obs);
  await fhir('PUT', `Patient/${p.id}`, { ...p, gender: 'other' });
  let n = 0;
  const get = async (path: string, who: Record<string, string> = { clientId: 'portal', fhirUser: 'Patient/' + p.id }) => {
    const requestId = `read-${++n}`;
    const res = await fhir('GET', path, undefined, await actAs(app, { ...who, requestId }));
    return { res, rows: await auditRows(db, requestId) };
  };

  const read = await get(`Patient/${p.id}`);
  t.equal(read.res.status, 200);
  t.match(read.rows, [
    {
      action: 'R',
      interaction: 'read',
      outcome: 0,
      client_id: 'portal',
      fhir_user: `Patient/${p.id}`,
      entity_type: 'Patient',
      entity_id: p.id,
      entity_version: 2,
      result_count: 1,
      entity_refs: [`Patient/${p.id}`],
      compartments: [`Patient/${p.id}`],
    },
  ]);
  t.equal(read.rows.length, 1, 'one row per read');

  const vread = await get(`Patient/${p.id}/_history/1`);
  t.equal(vread.res.status, 200);
  t.match(vread.rows, [{ action: 'R', interaction: 'vread', outcome: 0, entity_version: 1, result_count: 1 }]);

  const unknown = await get('Patient/nobody');
  t.equal(unknown.res.status, 404);
  t.match(
    unknown.rows,
    [{ interaction: 'read', outcome: 4, entity_refs: ['Patient/nobody'], result_count: 0, compartments: [] }],
    'a read that finds nothing is a minor failure',
  );

  await fhir('DELETE', `Observation/${o.id}`);
  const gone = await get(`Observation/${o.id}`);
  t.equal(gone.res.status, 410);
  t.match(gone.rows, [{ outcome: 4, entity_version: 2 }], 'reading a deletion is a minor failure too');

  const instance = await get(`Patient/${p.id}/_history?_count=1`);
  t.equal(instance.res.json.entry.length, 1);
  t.match(instance.rows, [
    {
      action: 'R',
      interaction: 'history-instance',
      entity_type: 'Patient',
      entity_id: p.id,
      query: `Patient/${p.id}/_history?_count=1`,
      result_count: 1,
      compartments: [`Patient/${p.id}`],
    },
  ]);
  t.equal(instance.rows.length, 1);

  const type = await get('Observation/_history');
  t.match(type.rows, [{ interaction: 'history-type', entity_type: 'Observation', entity_id: null, result_count: 2, entity_refs: [`Observation/${o.id}`] }]);

  // Newest first: the Observation's deletion, the Patient's version 2, the Observation's version 1.
  const system = await get('_history?_count=3');
  t.equal(system.res.json.entry.length, 3);
  t.same(
    system.rows.map((r) => [r.interaction, r.query, r.compartments, r.entity_refs, r.result_count]).sort((a, b) => String(a[2]).localeCompare(String(b[2]))),
    [['history-system', '_history?_count=3', [`Patient/${p.id}`], [`Observation/${o.id}`, `Patient/${p.id}`], 3]],
    "one row per patient whose data was returned (BALP): the Observation is in its subject's compartment; only the page returned is counted",
  );

  const empty = await get('Observation/_history?_count=0');
  t.match(empty.rows, [{ interaction: 'history-type', outcome: 0, result_count: 0, entity_refs: [] }], 'an empty page is a successful read of nothing');
});

t.test('addAccessAudit: one row for what a statement returns, in the same statement, whatever the commit mode', async (t) => {
  const { db, services } = await testApp(t);
  await services.store.transaction({ actor: { requestId: 'seed' }, access: ALL_ACCESS }, async (s) => {
    for (const gender of ['female', 'male', 'other'] as const) await s.create({ resourceType: 'Patient', gender });
  });
  for (const asyncCommit of [true, false]) {
    const stmt = new Statement();
    stmt.with('matches', `SELECT resource_type, id, version_id, deleted, compartments FROM resource r WHERE r.resource_type = ${stmt.param('Patient')}`);
    addAccessAudit(
      stmt,
      { requestId: `search-${asyncCommit}`, clientId: 'ehr' },
      'matches',
      {
        interaction: 'search-type',
        resourceType: 'Patient',
        query: 'Patient?gender=female,male,other',
      },
      { asyncCommit },
    );
    const { rows } = await db.query<{ id: string }>(stmt.build('SELECT id FROM matches'), stmt.params);
    t.equal(rows.length, 3);
    const audit = await auditRows(db, `search-${asyncCommit}`);
    t.equal(audit.length, 3, 'one row per patient found');
    for (const row of audit) {
      t.match(row, {
        action: 'E',
        interaction: 'search-type',
        entity_type: 'Patient',
        result_count: 1,
        query: 'Patient?gender=female,male,other',
        client_id: 'ehr',
      });
      t.same(row.compartments, row.entity_refs, 'each names its patient, and only that one');
    }
    t.same(audit.flatMap((r) => r.entity_refs).sort(), rows.map((r) => `Patient/${r.id}`).sort(), 'together: the ids returned');
  }
  const none = new Statement();
  none.with('matches', `SELECT resource_type, id, version_id, deleted, compartments FROM resource r WHERE r.id = ${none.param('none')}`);
  addAccessAudit(none, { requestId: 'search-none' }, 'matches', { interaction: 'search-system', query: '?_id=none' });
  await db.query(none.build('SELECT id FROM matches'), none.params);
  t.match(
    await auditRows(db, 'search-none'),
    [{ action: 'E', interaction: 'search-system', outcome: 0, result_count: 0, entity_refs: [], compartments: [] }],
    'a search that finds nothing: one row',
  );
});
