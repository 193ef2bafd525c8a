// Retention: partitions past AUDIT_RETENTION_MONTHS are detached, exported to NDJSON, and removed
// with anchors so that verification keeps working; once across instances; on a schedule.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { verifyAuditChains } from '../../src/audit/verify.js';
import { AUDIT_MAINTENANCE_JOB, runAuditMaintenance } from '../../src/jobs/audit-maintenance.js';
import { scheduleJobs } from '../../src/jobs/schedule.js';
import { detachAuditPartition, ensureAuditPartitions, listAuditPartitions } from '../../src/store/audit-partitions.js';
import { ALL_ACCESS } from '../../src/store/context.js';
import { withExclusiveJob } from '../../src/store/locks.js';
import { openPostgres } from '../../src/store/postgres.js';
import { engine } from '../helpers/database.js';
import { testApp } from '../helpers/app.js';

const month = (date: Date, offset = 0) => {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
  return `${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
};

t.test('retention exports and removes old partitions, and the chains verify from their anchors', async (t) => {
  const { services, db } = await testApp(t);
  const exportDir = mkdtempSync(path.join(tmpdir(), 'haven-audit-export-'));
  t.teardown(() => rmSync(exportDir, { recursive: true, force: true }));
  const write = (requestId: string) =>
    services.store.transaction({ actor: { requestId }, access: ALL_ACCESS }, (s) => s.create({ resourceType: 'Patient', gender: 'other' }));
  for (let i = 0; i < 4; i++) await write(`old-${i}`);
  const now = new Date();
  const thisMonth = `audit_log_${month(now)}`;

  // Three months on, keeping one: this month and the next are past retention.
  const later = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 3, 15));
  const report = await runAuditMaintenance(db, { now: later, retentionMonths: 1, exportDir });
  t.equal(report.skipped, false);
  t.same(
    report.removed.map((r) => [r.partition, r.rows]),
    [
      [thisMonth, 4],
      [`audit_log_${month(now, 1)}`, 0],
    ],
  );
  const partitions = (await listAuditPartitions(db)).map((p) => p.name);
  t.notOk(partitions.includes(thisMonth), 'removed');
  t.ok(partitions.includes(`audit_log_${month(later, 2)}`), 'partitions made ahead of the job date');

  const lines = readFileSync(path.join(exportDir, `${thisMonth}.ndjson`), 'utf8')
    .trim()
    .split('\n');
  t.equal(lines.length, 4, 'every row exported');
  const exported = lines.map((l) => JSON.parse(l) as { request_id: string; hash: string; chain: number; seq: number });
  t.same(exported.map((r) => r.request_id).sort(), ['old-0', 'old-1', 'old-2', 'old-3']);
  t.match(exported[0].hash, /^\\x[0-9a-f]{64}$/, 'with its hash');
  t.equal(readFileSync(path.join(exportDir, `audit_log_${month(now, 1)}.ndjson`), 'utf8'), '', 'an empty month exports an empty file');

  const { rows: anchors } = await db.query<{ chain: number; seq: number; partition: string }>('SELECT chain, seq, partition FROM audit_anchor');
  const last = exported.reduce((a, b) => (b.seq > a.seq ? b : a));
  t.match(anchors, [{ chain: last.chain, seq: last.seq, partition: thisMonth }], 'the anchor: where the chain goes on');
  await t.rejects(db.query('DELETE FROM audit_anchor'), /append-only/, 'anchors are append-only too');

  t.same(await verifyAuditChains(db), { rows: 0, chains: 32, anchored: 1 }, 'nothing left, and it verifies');

  // Back to the present: the month is made again and the chain continues from its anchor.
  await ensureAuditPartitions(db, now);
  for (let i = 0; i < 3; i++) await write(`new-${i}`);
  const after = await verifyAuditChains(db);
  t.same(after, { rows: 3, chains: 32, anchored: 1 }, 'new rows chain on from the anchor');

  const { rows: first } = await db.query<{ id: string }>(`SELECT id::text AS id FROM audit_log WHERE chain = $1 AND seq = $2`, [last.chain, last.seq + 1]);
  if (first.length) {
    await db.transaction((tx) => tx.query('DELETE FROM audit_log WHERE id = $1', [first[0].id]), { settings: { session_replication_role: 'replica' } });
    t.match((await verifyAuditChains(db)).failure, { problem: 'removed', chain: last.chain, seq: last.seq + 1 }, 'removing the row after the anchor is seen');
  }
});

t.test('a partition left detached by an interrupted run is finished by the next', async (t) => {
  const { services, db } = await testApp(t);
  const exportDir = mkdtempSync(path.join(tmpdir(), 'haven-audit-export-'));
  t.teardown(() => rmSync(exportDir, { recursive: true, force: true }));
  await services.store.transaction({ actor: { requestId: 'w' }, access: ALL_ACCESS }, (s) => s.create({ resourceType: 'Patient' }));
  const now = new Date();
  const thisMonth = `audit_log_${month(now)}`;
  await detachAuditPartition(db, thisMonth);
  t.match(await listAuditPartitions(db), [{ name: thisMonth, attached: false }]);
  // As a run that crashed after detaching leaves it: out of the log, verification sees rows missing.
  t.match((await verifyAuditChains(db)).failure, { problem: 'removed' });

  const later = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 15));
  const report = await runAuditMaintenance(db, { now: later, retentionMonths: 1, exportDir });
  t.same(
    report.removed.map((r) => [r.partition, r.rows]),
    [[thisMonth, 1]],
    'the detached partition is exported and removed',
  );
  t.same(
    readFileSync(path.join(exportDir, `${thisMonth}.ndjson`), 'utf8')
      .trim()
      .split('\n').length,
    1,
  );
  t.same((await verifyAuditChains(db)).failure, undefined, 'and the chain verifies from its anchor');
});

t.test('the job runs once: across instances (PostgreSQL), and within one process', async (t) => {
  const { db, databaseUrl } = await testApp(t);
  // Another instance on PostgreSQL; on PGlite, which one process serves, a second caller in it.
  const other = engine === 'postgres' ? await openPostgres(databaseUrl as string, 2) : db;
  if (other !== db) t.teardown(() => other.close());
  const exportDir = mkdtempSync(path.join(tmpdir(), 'haven-audit-export-'));
  t.teardown(() => rmSync(exportDir, { recursive: true, force: true }));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const first = withExclusiveJob(other, AUDIT_MAINTENANCE_JOB, async () => {
    entered();
    await held;
    return 'done';
  });
  await inside;
  const second = await runAuditMaintenance(db, { now: new Date(), retentionMonths: 84, exportDir });
  t.same(second, { skipped: true, removed: [] }, 'another instance holds the job');
  release();
  t.equal(await first, 'done');
  t.equal((await runAuditMaintenance(db, { now: new Date(), retentionMonths: 84, exportDir })).skipped, false, 'and runs once it is free');
});

t.test('scheduleJobs runs the job on its schedule and stops cleanly', async (t) => {
  const exportDir = mkdtempSync(path.join(tmpdir(), 'haven-audit-export-'));
  t.teardown(() => rmSync(exportDir, { recursive: true, force: true }));
  const { services } = await testApp(t, { AUDIT_SCHEDULE: '* * * * * *', AUDIT_EXPORT_DIR: exportDir });
  const messages: string[] = [];
  const log = {
    info: (o: unknown, m?: string) => messages.push(`${m ?? ''} ${JSON.stringify(o)}`),
    error: (o: unknown) => messages.push(`error ${String(o)}`),
  };
  const jobs = scheduleJobs(services, log as never);
  const deadline = Date.now() + 10_000;
  while (!messages.some((m) => m.includes('audit-maintenance')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await jobs.stop();
  t.match(messages.join('\n'), /job done .*"job":"audit-maintenance"/);
  t.notMatch(messages.join('\n'), /error/);
});
