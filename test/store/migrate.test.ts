// The migration runner: in order, once, recorded, each in a transaction, refusing edited history.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { loadMigrations, migrate, type Migration } from '../../src/store/migrate.js';
import { testDatabase } from '../helpers/database.js';

const migration = (version: number, name: string, sql: string): Migration => ({ version, name, sql, checksum: `${name}:${sql}` });

t.test('applies pending migrations once, in order, and records them', async (t) => {
  const { db } = await testDatabase(t);
  const extra = [migration(1, 'a', 'CREATE TABLE t_a (x int)'), migration(2, 'b', 'CREATE TABLE t_b (x int)')];
  // The template is migrated with Haven's own migrations; use a fresh bookkeeping table name by
  // dropping Haven's record first so these two count as 1 and 2.
  await db.exec('DROP TABLE haven_migrations');
  const report = await migrate(db, extra);
  t.same(
    report.applied.map((m) => m.name),
    ['a', 'b'],
  );
  const again = await migrate(db, extra);
  t.same(again.applied, [], 'nothing is applied twice');
  const { rows } = await db.query<{ version: number; name: string }>('SELECT version, name FROM haven_migrations ORDER BY version');
  t.same(rows, [
    { version: 1, name: 'a' },
    { version: 2, name: 'b' },
  ]);
});

t.test('a failing migration rolls back entirely and is not recorded', async (t) => {
  const { db } = await testDatabase(t);
  await db.exec('DROP TABLE haven_migrations');
  await t.rejects(migrate(db, [migration(1, 'broken', 'CREATE TABLE t_half (x int); SELECT no_such_function()')]), /Migration 1_broken failed/);
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't_half'");
  t.equal(rows[0].n, 0, 'the first statement was rolled back too');
  const recorded = await db.query('SELECT * FROM haven_migrations');
  t.equal(recorded.rows.length, 0);
});

t.test('an applied migration that was edited afterwards is refused', async (t) => {
  const { db } = await testDatabase(t);
  await db.exec('DROP TABLE haven_migrations');
  await migrate(db, [migration(1, 'a', 'CREATE TABLE t_c (x int)')]);
  await t.rejects(migrate(db, [migration(1, 'a', 'CREATE TABLE t_c (x bigint)')]), /changed after it was applied/);
});

t.test('a database newer than this Haven is refused', async (t) => {
  const { db } = await testDatabase(t);
  await db.exec('DROP TABLE haven_migrations');
  await migrate(db, [migration(1, 'a', 'SELECT 1'), migration(2, 'b', 'SELECT 1')]);
  await t.rejects(migrate(db, [migration(1, 'a', 'SELECT 1')]), /newer than this Haven knows/);
});

t.test('instances starting together take turns under the advisory lock', async (t) => {
  const { db } = await testDatabase(t);
  await db.exec('DROP TABLE haven_migrations');
  const list = [migration(1, 'slow', 'CREATE TABLE t_once (x int); SELECT pg_sleep(0.2)')];
  const reports = await Promise.all([migrate(db, list), migrate(db, list), migrate(db, list)]);
  t.equal(
    reports.reduce((n, r) => n + r.applied.length, 0),
    1,
    'applied by exactly one of them',
  );
});

t.test('migration files: numbered NNN_name.sql without gaps', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'haven-mig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, '001_first.sql'), 'SELECT 1;');
  writeFileSync(path.join(dir, '002_second.sql'), 'SELECT 2;');
  t.same(
    loadMigrations(dir).map((m) => [m.version, m.name]),
    [
      [1, 'first'],
      [2, 'second'],
    ],
  );
  writeFileSync(path.join(dir, '004_gap.sql'), 'SELECT 4;');
  t.throws(() => loadMigrations(dir), /without gaps/);
  rmSync(path.join(dir, '004_gap.sql'));
  writeFileSync(path.join(dir, '3-bad.sql'), 'SELECT 3;');
  t.throws(() => loadMigrations(dir), /must look like/);
});
