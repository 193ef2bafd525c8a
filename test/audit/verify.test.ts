// The log is append-only for everyone, and what a superuser changes behind the triggers' back,
// `haven audit verify` finds and names.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { verifyAuditChains } from '../../src/audit/verify.js';
import { describeReport } from '../../src/commands/audit.js';
import { packageRoot } from '../../src/paths.js';
import { ALL_ACCESS } from '../../src/store/context.js';
import type { Queryable } from '../../src/store/db.js';
import { engine } from '../helpers/database.js';
import { testApp } from '../helpers/app.js';

t.test('append-only, tamper-evident', async (t) => {
  const { services, db, databaseUrl } = await testApp(t);
  const store = services.store;
  // Several transactions (on PostgreSQL, concurrent ones land on several chains), and reads.
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      store.transaction({ actor: { requestId: `seed-${i}`, clientId: 'seed' }, access: ALL_ACCESS }, async (s) => {
        const p = await s.create({ resourceType: 'Patient', gender: 'female' });
        await s.update('Patient', p.id, { resourceType: 'Patient', id: p.id, gender: 'male' });
        return p.id;
      }),
    ),
  );
  await store.reader({ actor: { requestId: 'reader' }, access: ALL_ACCESS }).read('Patient', 'nobody');
  const total = (await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_log')).rows[0].n;
  t.equal(total, 13);

  const intact = await verifyAuditChains(db, { pageSize: 4 });
  t.same(intact, { rows: 13, chains: 32, anchored: 0 }, 'an untouched log verifies, across pages');
  t.equal(describeReport(intact), 'audit log intact: 13 rows in 32 chains');

  await t.test('UPDATE, DELETE and TRUNCATE are refused by the database', async (t) => {
    const { rows } = await db.query<{ partition: string }>(`SELECT tableoid::regclass::text AS partition FROM audit_log LIMIT 1`);
    for (const sql of [
      `UPDATE audit_log SET outcome = 8`,
      `DELETE FROM audit_log`,
      `TRUNCATE audit_log`,
      `UPDATE ${rows[0].partition} SET outcome = 8`,
      `DELETE FROM ${rows[0].partition}`,
      `TRUNCATE ${rows[0].partition}`,
      `TRUNCATE audit_anchor`,
    ]) {
      await t.rejects(db.query(sql), /append-only/, sql);
    }
    await t.rejects(
      db.query(`INSERT INTO audit_log (recorded, action, interaction, outcome) VALUES (now() - interval '1 day', 'R', 'read', 0)`),
      /recorded at the current time/,
      'a back-dated row is refused',
    );
    t.equal((await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_log')).rows[0].n, 13, 'nothing changed');
  });

  // A superuser can switch the triggers off (session_replication_role); verification still sees it.
  const asSuperuser = (sql: string, params: unknown[] = []) =>
    db.transaction((tx) => tx.query(sql, params), { settings: { session_replication_role: 'replica' } });
  const rowAt = async (q: Queryable, offset: number) =>
    (
      await q.query<{ id: string; chain: number; seq: number }>(`SELECT id::text AS id, chain, seq FROM audit_log ORDER BY chain, seq OFFSET $1 LIMIT 1`, [
        offset,
      ])
    ).rows[0];
  const lastOfChain = async () =>
    (
      await db.query<{ id: string; chain: number; seq: number }>(
        `SELECT a.id::text AS id, a.chain, a.seq FROM audit_log a JOIN audit_chain c ON c.chain = a.chain AND c.seq = a.seq ORDER BY a.chain LIMIT 1`,
      )
    ).rows[0];

  await t.test('an altered row is named', async (t) => {
    const target = await rowAt(db, 5);
    await asSuperuser(`UPDATE audit_log SET client_id = 'someone else' WHERE id = $1`, [target.id]);
    const report = await verifyAuditChains(db);
    t.match(report.failure, { problem: 'altered', id: target.id, chain: target.chain, seq: target.seq });
    t.match(describeReport(report), new RegExp(`FAILED \\(altered\\): AuditEvent/${target.id} \\(chain ${target.chain}, position ${target.seq}`));
    await asSuperuser(`UPDATE audit_log SET client_id = 'seed' WHERE id = $1`, [target.id]);
    t.same((await verifyAuditChains(db)).failure, undefined, 'put back, the log verifies again');
  });

  await t.test('a row altered with its hash recomputed breaks the link of the next one', async (t) => {
    const target = await rowAt(db, 0);
    const next = (await db.query<{ id: string }>(`SELECT id::text AS id FROM audit_log WHERE chain = $1 AND seq = $2`, [target.chain, target.seq + 1])).rows[0];
    const fix = `UPDATE audit_log SET outcome = $2, hash = sha256(prev_hash || audit_canonical(id, chain, seq, recorded, action, interaction, $2,
      outcome_desc, request_id, client_id, subject, fhir_user, launch_patient, source_address, entity_type, entity_id, entity_version,
      query, result_count, entity_refs, compartments)) WHERE id = $1`;
    await asSuperuser(fix, [target.id, 8]);
    const report = await verifyAuditChains(db);
    if (next) t.match(report.failure, { problem: 'out-of-order', id: next.id }, 'the next row no longer follows');
    else t.match(report.failure, { problem: 'altered', chain: target.chain }, "the head's hash no longer matches");
    await asSuperuser(fix, [target.id, 0]);
    t.same((await verifyAuditChains(db)).failure, undefined);
  });

  await t.test('a removed row is named by the position it leaves empty', async (t) => {
    const target = await rowAt(db, 1);
    await asSuperuser(`CREATE TABLE removed_row AS SELECT * FROM audit_log WHERE id = '${target.id}'`);
    await asSuperuser(`DELETE FROM audit_log WHERE id = $1`, [target.id]);
    const report = await verifyAuditChains(db);
    t.match(report.failure, { problem: 'removed', chain: target.chain, seq: target.seq });
    t.match(report.failure?.message, `position ${target.seq} is missing`);
    await asSuperuser(`INSERT INTO audit_log SELECT * FROM removed_row`);
    await asSuperuser(`DROP TABLE removed_row`);
    t.same((await verifyAuditChains(db)).failure, undefined);
  });

  await t.test("removing a chain's last row is seen against its head", async (t) => {
    const last = await lastOfChain();
    await asSuperuser(`CREATE TABLE removed_row AS SELECT * FROM audit_log WHERE id = '${last.id}'`);
    await asSuperuser(`DELETE FROM audit_log WHERE id = $1`, [last.id]);
    t.match((await verifyAuditChains(db)).failure, { problem: 'removed', chain: last.chain, seq: last.seq });
    await asSuperuser(`INSERT INTO audit_log SELECT * FROM removed_row`);
    await asSuperuser(`DROP TABLE removed_row`);
    t.same((await verifyAuditChains(db)).failure, undefined);
  });

  await t.test('a row inserted out of order is named', async (t) => {
    const target = await rowAt(db, 2);
    await asSuperuser(
      `INSERT INTO audit_log SELECT recorded, gen_random_uuid(), chain, seq, prev_hash, hash, action, interaction, outcome, 'forged',
        request_id, client_id, subject, fhir_user, launch_patient, source_address, entity_type, entity_id, entity_version, query,
        result_count, entity_refs, compartments FROM audit_log WHERE id = $1`,
      [target.id],
    );
    const report = await verifyAuditChains(db);
    t.match(report.failure, { chain: target.chain, seq: target.seq });
    t.match(report.failure?.problem, /^(out-of-order|altered)$/, 'a second row at one position');
    await asSuperuser(`DELETE FROM audit_log WHERE outcome_desc = 'forged'`);
    t.same((await verifyAuditChains(db)).failure, undefined);
  });

  await t.test(
    'haven audit verify: exit 1 naming the row, exit 0 when intact',
    { skip: engine === 'pglite' && 'the CLI needs a database another process can open; PostgreSQL runs test it' },
    async (t) => {
      const target = await rowAt(db, 3);
      const cli = () =>
        spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', 'verify'], {
          cwd: packageRoot,
          env: { ...process.env, DATABASE_URL: databaseUrl },
          encoding: 'utf8',
        });
      const ok = cli();
      t.equal(ok.status, 0, ok.stderr);
      t.match(ok.stdout, /audit log intact: 13 rows in 32 chains/);
      await asSuperuser(`UPDATE audit_log SET entity_refs = '{Patient/other}' WHERE id = $1`, [target.id]);
      const failed = cli();
      t.equal(failed.status, 1);
      t.match(failed.stderr, `AuditEvent/${target.id}`);
      t.match(failed.stderr, 'was altered');
    },
  );
});
