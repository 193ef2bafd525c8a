// The audit trail is written per statement (migration 010): a statement's history rows get their
// records from one INSERT, the chaining trigger carries the head of its chain in a
// transaction-local setting, and the head is stored once per statement. These tests hold the
// properties that design must keep: consecutive positions in statement order, a chain head in
// audit_chain equal to its last row after every statement, savepoints that roll back rows and
// head together, and rows inserted by naming a partition chained like any other.
import t from 'tap';
import { verifyAuditChains } from '../../src/audit/verify.js';
import type { Database } from '../../src/store/db.js';
import { testApp } from '../helpers/app.js';

const ACTOR = JSON.stringify({ requestId: 'statements-test', subject: 'tester' });

/** Every chain's head in audit_chain against the last row the log holds for it. */
async function headsMatchRows(db: Database): Promise<Array<{ chain: number; head: string; last: string }>> {
  const { rows } = await db.query<{ chain: number; head: string; last: string }>(
    `SELECT c.chain, c.seq || ':' || encode(c.hash, 'hex') AS head, coalesce(l.seq || ':' || encode(l.hash, 'hex'), '0:' || encode(c.hash, 'hex')) AS last
       FROM audit_chain c
       LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log a WHERE a.chain = c.chain ORDER BY seq DESC LIMIT 1) l ON true
      WHERE c.seq <> coalesce(l.seq, 0) OR c.hash <> coalesce(l.hash, c.hash)`,
  );
  return rows;
}

t.test('a transaction Bundle of 40 creates: 40 records in one chain, consecutive, in entry order', async (t) => {
  const { fhir, db } = await testApp(t);
  const p = await fhir('POST', 'Patient', { resourceType: 'Patient' });
  const entry = Array.from({ length: 40 }, (_, i) => ({
    request: { method: 'POST', url: 'Observation' },
    resource: {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${p.json.id}` },
      identifier: [{ system: 'urn:test', value: String(i) }],
      valueQuantity: { value: 60 + i, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    },
  }));
  const res = await fhir('POST', '', { resourceType: 'Bundle', type: 'transaction', entry });
  t.equal(res.status, 200);
  const ids = (res.json.entry as Array<{ response: { location: string } }>).map((e) => e.response.location.split('/')[1]);
  const { rows } = await db.query<{ chain: number; seq: number; entity_id: string; action: string }>(
    `SELECT a.chain, a.seq::integer AS seq, a.entity_id, a.action FROM audit_log a WHERE a.entity_type = 'Observation' ORDER BY a.chain, a.seq`,
  );
  t.equal(new Set(rows.map((r) => r.chain)).size, 1, 'one chain');
  const first = Number(rows[0].seq);
  t.same(
    rows.map((r) => Number(r.seq)),
    rows.map((_, i) => first + i),
    'consecutive positions',
  );
  t.same(
    rows.map((r) => r.entity_id),
    ids,
    'in entry order',
  );
  t.ok(
    rows.every((r) => r.action === 'C'),
    'each a create',
  );
  t.same(await headsMatchRows(db), [], 'every head is its chain’s last row');
  t.same(await verifyAuditChains(db), { rows: 42, chains: 32, anchored: 0 });
});

t.test('a PUT that revives a deleted resource is recorded as a create', async (t) => {
  const { fhir, db } = await testApp(t);
  t.equal((await fhir('PUT', 'Patient/lazarus', { resourceType: 'Patient', id: 'lazarus' })).status, 201);
  t.equal((await fhir('PUT', 'Patient/lazarus', { resourceType: 'Patient', id: 'lazarus', gender: 'male' })).status, 200);
  t.equal((await fhir('DELETE', 'Patient/lazarus')).status, 204);
  t.equal((await fhir('PUT', 'Patient/lazarus', { resourceType: 'Patient', id: 'lazarus' })).status, 201);
  const { rows } = await db.query<{ action: string; interaction: string; entity_version: number }>(
    `SELECT action, interaction, entity_version FROM audit_log WHERE entity_id = 'lazarus' ORDER BY entity_version`,
  );
  t.same(rows, [
    { action: 'C', interaction: 'update', entity_version: 1 },
    { action: 'U', interaction: 'update', entity_version: 2 },
    { action: 'D', interaction: 'delete', entity_version: 3 },
    { action: 'C', interaction: 'update', entity_version: 4 },
  ]);
});

t.test('a savepoint rolled back takes its rows and its head with it', async (t) => {
  const { db } = await testApp(t);
  const insert = `INSERT INTO audit_log (action, interaction, outcome, request_id) VALUES ('E', 'operation', 0, $1)`;
  await db.transaction(
    async (tx) => {
      await tx.query(insert, ['kept-1']);
      await tx.query('SAVEPOINT s');
      await tx.query(insert, ['dropped-1']);
      await tx.query(insert, ['dropped-2']);
      await tx.query('ROLLBACK TO SAVEPOINT s');
      await tx.query(insert, ['kept-2']);
    },
    { settings: { 'haven.actor': ACTOR } },
  );
  // A savepoint that took the chain (its first row) and rolled back: the lock and the head go.
  await db.transaction(
    async (tx) => {
      await tx.query('SAVEPOINT s');
      await tx.query(insert, ['dropped-3']);
      await tx.query('ROLLBACK TO SAVEPOINT s');
      await tx.query(insert, ['kept-3']);
    },
    { settings: { 'haven.actor': ACTOR } },
  );
  const { rows } = await db.query<{ request_id: string }>('SELECT request_id FROM audit_log ORDER BY chain, seq');
  t.same(rows.map((r) => r.request_id).sort(), ['kept-1', 'kept-2', 'kept-3']);
  t.same(await headsMatchRows(db), []);
  t.same(await verifyAuditChains(db), { rows: 3, chains: 32, anchored: 0 });
});

t.test('rows inserted by naming a partition are chained and move the head', async (t) => {
  const { db } = await testApp(t);
  const { rows: parts } = await db.query<{ name: string }>(`SELECT audit_ensure_partition(now()) AS name`);
  await db.transaction((tx) => tx.query(`INSERT INTO ${parts[0].name} (action, interaction, outcome, request_id) VALUES ('E', 'operation', 0, 'direct')`), {
    settings: { 'haven.actor': ACTOR },
  });
  t.same(await headsMatchRows(db), [], 'the head moved');
  await db.transaction((tx) => tx.query(`INSERT INTO audit_log (action, interaction, outcome, request_id) VALUES ('E', 'operation', 0, 'after')`), {
    settings: { 'haven.actor': ACTOR },
  });
  t.same(await verifyAuditChains(db), { rows: 2, chains: 32, anchored: 0 }, 'the next row continues the chain');
});
