// Every change leaves exactly one audit row per changed resource, written by the database in the
// same transaction, with the actor of the request; nothing else does.
import t from 'tap';
import { FhirError } from '../../src/errors.js';
import { ALL_ACCESS, type StoreContext } from '../../src/store/context.js';
import { actAs, auditCount, auditRows } from '../helpers/audit.js';
import { testApp } from '../helpers/app.js';

const patient = { resourceType: 'Patient', name: [{ family: 'Okafor', given: ['Ada'] }], gender: 'female' };
const actor = { clientId: 'mood-app', subject: 'user-7', fhirUser: 'Practitioner/dr-lee', patient: 'p-1' };

t.test('write interactions through HTTP', async (t) => {
  const app = await testApp(t);
  const { fhir, db } = app;
  let n = 0;
  /** Sends a request as `actor` with a fresh request id; returns the response and its audit rows. */
  const send = async (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const requestId = `write-${++n}`;
    const res = await fhir(method, path, body, { ...(await actAs(app, { ...actor, requestId })), ...headers });
    return { res, rows: await auditRows(db, requestId) };
  };

  const created = await send('POST', 'Patient', patient);
  t.equal(created.res.status, 201);
  const id = created.res.json.id as string;
  t.equal(created.rows.length, 1, 'create: one row');
  t.match(created.rows[0], {
    action: 'C',
    interaction: 'create',
    outcome: 0,
    client_id: 'mood-app',
    subject: 'user-7',
    fhir_user: 'Practitioner/dr-lee',
    launch_patient: 'p-1',
    source_address: '127.0.0.1',
    entity_type: 'Patient',
    entity_id: id,
    entity_version: 1,
    entity_refs: [`Patient/${id}`],
    compartments: [`Patient/${id}`],
  });

  const updated = await send('PUT', `Patient/${id}`, { ...created.res.json, gender: 'other' });
  t.equal(updated.res.status, 200);
  t.match(updated.rows, [{ action: 'U', interaction: 'update', entity_id: id, entity_version: 2 }], 'update: one row');
  t.equal(updated.rows.length, 1);

  const patched = await send('PATCH', `Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'female' }]);
  t.equal(patched.res.status, 200);
  t.match(patched.rows, [{ action: 'U', interaction: 'patch', entity_version: 3 }], 'patch: one row');
  t.equal(patched.rows.length, 1);

  const deleted = await send('DELETE', `Patient/${id}`);
  t.equal(deleted.res.status, 204);
  t.match(deleted.rows, [{ action: 'D', interaction: 'delete', entity_version: 4, compartments: [`Patient/${id}`] }], 'delete: one row');
  t.equal(deleted.rows.length, 1);

  const revived = await send('PUT', `Patient/${id}`, { ...patient, id });
  t.equal(revived.res.status, 201);
  t.match(revived.rows, [{ action: 'C', interaction: 'update', entity_version: 5 }], 'bringing a deleted resource back is a create by update');

  const againDeleted = await send('DELETE', 'Patient/never-was');
  t.equal(againDeleted.res.status, 204);
  t.same(againDeleted.rows, [], 'deleting nothing changes nothing and leaves no row');

  const upsert = await send('PUT', 'Patient/chosen-id', { ...patient, id: 'chosen-id' });
  t.equal(upsert.res.status, 201);
  t.match(upsert.rows, [{ action: 'C', interaction: 'update', entity_id: 'chosen-id', entity_version: 1 }], 'update-as-create');

  const identifier = [{ system: 'urn:test', value: 'mrn-1' }];
  const condCreate = await send('POST', 'Patient', { ...patient, identifier }, { 'if-none-exist': 'identifier=urn:test|mrn-1' });
  t.equal(condCreate.res.status, 201);
  t.match(condCreate.rows, [{ action: 'C', interaction: 'create' }]);
  t.equal(condCreate.rows.length, 1, 'conditional create that creates: one row');
  const matchId = condCreate.res.json.id as string;

  const condExisting = await send('POST', 'Patient', { ...patient, identifier }, { 'if-none-exist': 'identifier=urn:test|mrn-1' });
  t.equal(condExisting.res.status, 200);
  t.match(condExisting.rows, [{ action: 'R', interaction: 'read', entity_id: matchId }], 'a match changes nothing: only the read of it is recorded');
  t.equal(condExisting.rows.length, 1);

  const condUpdate = await send('PUT', 'Patient?identifier=urn:test|mrn-1', { ...patient, identifier, gender: 'male' });
  t.equal(condUpdate.res.status, 200);
  t.match(condUpdate.rows, [{ action: 'U', interaction: 'update', entity_id: matchId, entity_version: 2 }], 'conditional update');
  t.equal(condUpdate.rows.length, 1);

  const condPatch = await send('PATCH', 'Patient?identifier=urn:test|mrn-1', [{ op: 'replace', path: '/gender', value: 'female' }]);
  t.equal(condPatch.res.status, 200);
  t.match(condPatch.rows, [{ action: 'U', interaction: 'patch', entity_id: matchId, entity_version: 3 }], 'conditional patch');
  t.equal(condPatch.rows.length, 1);

  const condDelete = await send('DELETE', 'Patient?identifier=urn:test|mrn-1');
  t.equal(condDelete.res.status, 204);
  t.match(condDelete.rows, [{ action: 'D', interaction: 'delete', entity_id: matchId }], 'conditional delete');
  t.equal(condDelete.rows.length, 1);

  const refused = await send('PUT', `Patient/${id}`, { ...patient, id }, { 'if-match': 'W/"1"' });
  t.equal(refused.res.status, 412);
  t.same(refused.rows, [], 'a refused write leaves no row: its transaction rolled back');
});

t.test('transactions: one row per changed resource, the same actor, nothing when rolled back', async (t) => {
  const { services, db } = await testApp(t);
  const ctx: StoreContext = { actor: { requestId: 'tx-1', clientId: 'ehr', sourceAddress: '10.0.0.9' }, access: ALL_ACCESS };
  const ids = await services.store.transaction(ctx, async (s) => {
    const a = await s.create(patient as never);
    const b = await s.create({ resourceType: 'Observation', status: 'final', code: { text: 'mood' }, subject: { reference: `Patient/${a.id}` } });
    await s.update('Patient', a.id, { ...patient, id: a.id, gender: 'male' } as never);
    await s.delete('Observation', b.id);
    return [a.id, b.id];
  });
  const rows = await auditRows(db, 'tx-1');
  t.same(
    rows.map((r) => [r.action, r.entity_type, r.entity_id, r.entity_version]),
    [
      ['C', 'Patient', ids[0], 1],
      ['C', 'Observation', ids[1], 1],
      ['U', 'Patient', ids[0], 2],
      ['D', 'Observation', ids[1], 2],
    ],
    'four changes, four rows, in order',
  );
  t.ok(
    rows.every((r) => r.client_id === 'ehr' && r.source_address === '10.0.0.9'),
    'all with the transaction actor',
  );
  t.equal(new Set(rows.map((r) => r.chain)).size, 1, 'one transaction writes to one chain');
  t.same(
    rows.map((r) => r.seq - rows[0].seq),
    [0, 1, 2, 3],
    'at consecutive positions',
  );

  const before = await auditCount(db);
  const rollback = { actor: { requestId: 'tx-2' }, access: ALL_ACCESS };
  await t.rejects(
    services.store.transaction(rollback, async (s) => {
      await s.create(patient as never);
      await s.create(patient as never);
      throw FhirError.badRequest('invalid-resource', 'changed my mind');
    }),
  );
  t.equal(await auditCount(db), before, 'a rolled-back transaction leaves no audit row');
  t.same(await auditRows(db, 'tx-2'), []);
  const { rows: patients } = await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM resource WHERE resource_type = 'Patient'`);
  t.equal(patients[0].n, 1, 'and no resource');
});

t.test('a create outside a transaction (one statement) carries its actor, and only for itself', async (t) => {
  const { services, db } = await testApp(t);
  const ctx: StoreContext = { actor: { requestId: 'alone-1', clientId: 'cuff', sourceAddress: '10.0.0.7' }, access: ALL_ACCESS };
  const single = services.store.single(ctx);
  const created = await single.create({ resourceType: 'Basic', code: { text: 'x' } } as never);
  const rows = await auditRows(db, 'alone-1');
  t.equal(rows.length, 1, 'one audit row');
  t.match(rows[0], { action: 'C', interaction: 'create', client_id: 'cuff', source_address: '10.0.0.7', entity_type: 'Basic', entity_id: created.id });
  const { rows: left } = await db.query<{ actor: string | null }>(`SELECT current_setting('haven.actor', true) AS actor`);
  t.notOk(left[0].actor, 'the actor does not outlive the statement');
  await t.rejects(
    single.update('Basic', created.id, { resourceType: 'Basic', id: created.id, code: { text: 'y' } } as never),
    /without audit context/,
    'any other write outside a transaction is refused by the database',
  );
});

t.test('the database refuses a change without audit context', async (t) => {
  const { db } = await testApp(t);
  const insert = `INSERT INTO resource (resource_type, id, version_id, last_updated, content) VALUES ('Basic', 'b1', 1, now(), '{}')`;
  await t.rejects(db.query(insert), /without audit context/, 'INSERT into resource');
  await t.rejects(db.query(`UPDATE resource SET version_id = 2`), /without audit context/, 'UPDATE of resource');
  await t.rejects(db.query(`DELETE FROM resource_history`), /without audit context/, 'DELETE from resource_history');
  await t.rejects(db.query(`TRUNCATE resource_history`), /without audit context/, 'TRUNCATE of resource_history');
  await db.transaction((tx) => tx.query(insert), { settings: { 'haven.actor': JSON.stringify({ requestId: 'sql' }) } });
  const { rows } = await db.query(`SELECT 1 FROM resource WHERE id = 'b1'`);
  t.equal(rows.length, 1, 'with haven.actor set the same change is accepted');
});

t.test('no way of writing stores an AuditEvent: 405 whatever the route, refused by the store and the database', async (t) => {
  const { fhir, services, db } = await testApp(t);
  const event = {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    recorded: '2026-01-01T00:00:00Z',
    agent: [{ requestor: true }],
    source: { observer: { display: 'x' } },
  };
  const before = await auditCount(db);
  for (const [method, path, body] of [
    ['POST', 'AuditEvent', event],
    ['PUT', 'AuditEvent/a1', { ...event, id: 'a1' }],
    ['PUT', 'AuditEvent?_id=a1', event],
    ['PATCH', 'AuditEvent/a1', [{ op: 'replace', path: '/outcome', value: '0' }]],
    ['PATCH', 'AuditEvent?_id=a1', [{ op: 'replace', path: '/outcome', value: '0' }]],
    ['DELETE', 'AuditEvent/a1', undefined],
    ['DELETE', 'AuditEvent?_id=a1', undefined],
  ] as const) {
    const res = await fhir(method, path, body);
    t.equal(res.status, 405, `${method} ${path}`);
    t.equal(res.json.resourceType, 'OperationOutcome');
  }
  const ctx: StoreContext = { actor: { requestId: 'direct' }, access: ALL_ACCESS };
  const status = (promise: Promise<unknown>) =>
    promise.then(
      () => 'no error',
      (error: FhirError) => error.status,
    );
  t.equal(await status(services.store.transaction(ctx, (s) => s.create(event as never))), 405, 'store create');
  t.equal(await status(services.store.transaction(ctx, (s) => s.update('AuditEvent', 'a1', { ...event, id: 'a1' } as never))), 405, 'store update');
  t.equal(await status(services.store.transaction(ctx, (s) => s.delete('AuditEvent', 'a1'))), 405, 'store delete');
  await t.rejects(
    db.transaction(
      (tx) => tx.query(`INSERT INTO resource (resource_type, id, version_id, last_updated, content) VALUES ('AuditEvent', 'a1', 1, now(), '{}')`),
      { settings: { 'haven.actor': JSON.stringify({ requestId: 'sql' }) } },
    ),
    /resource_is_not_audit_event/,
    'the resource table refuses AuditEvent',
  );
  t.equal(await auditCount(db), before, 'nothing was written');
});
