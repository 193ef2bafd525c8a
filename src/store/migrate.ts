// Forward-only migrations: migrations/NNN_name.sql applied in order, once, each in its own
// transaction, under a session advisory lock so that instances starting together take turns.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Actor } from './context.js';
import { literal, type Database } from './db.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: Migration[];
  current: number;
}

// Any constant works; it only has to be the same for every Haven instance on one database.
const MIGRATION_LOCK_KEY = 727_001;

export function loadMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`Migration file name must look like 001_name.sql: ${file}`);
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return { version: Number(match[1]), name: match[2], sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migrations must be numbered 001, 002, ... without gaps; found ${m.version} at position ${i + 1}`);
  });
  return migrations;
}

/**
 * Callers in one process take turns too: PGlite has a single session, in which a session advisory
 * lock is re-entrant and so would not keep two concurrent callers apart.
 */
const inProcess = new WeakMap<Database, Promise<unknown>>();

export function migrate(db: Database, migrations: Migration[], log: (message: string) => void = () => undefined): Promise<MigrationReport> {
  const previous = inProcess.get(db) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => migrateLocked(db, migrations, log));
  inProcess.set(db, run);
  return run;
}

async function migrateLocked(db: Database, migrations: Migration[], log: (message: string) => void): Promise<MigrationReport> {
  return db.withSession(async (session) => {
    // Migrations (and waiting for another instance's) may take longer than a request's statement
    // timeout: none for this session, restored afterwards (the pool's connections are reused).
    const { rows } = await session.query<{ previous: string }>(`SELECT current_setting('statement_timeout') AS previous`);
    await session.query(`SELECT set_config('statement_timeout', '0', false)`);
    try {
      return await migrateInSession(session, migrations, log);
    } finally {
      await session.query(`SELECT set_config('statement_timeout', $1, false)`, [rows[0].previous]);
    }
  });
}

async function migrateInSession(session: Database, migrations: Migration[], log: (message: string) => void): Promise<MigrationReport> {
  await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await session.exec(`CREATE TABLE IF NOT EXISTS haven_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Map(
      (await session.query<{ version: number; checksum: string }>('SELECT version, checksum FROM haven_migrations')).rows.map((r) => [r.version, r.checksum]),
    );
    const newer = [...done.keys()].filter((v) => v > migrations.length);
    if (newer.length) throw new Error(`The database has migration ${Math.max(...newer)}, newer than this Haven knows; upgrade Haven`);
    const applied: Migration[] = [];
    for (const migration of migrations) {
      const checksum = done.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.version}_${migration.name} changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      log(`applying migration ${String(migration.version).padStart(3, '0')}_${migration.name}`);
      // A migration that rewrites resources acts as "haven-migrate" in the audit trail.
      await session.exec(`BEGIN; SELECT set_config('haven.actor', ${literal(JSON.stringify(migrationActor(migration)))}, true)`);
      try {
        await session.exec(migration.sql);
        await session.query('INSERT INTO haven_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await session.exec('COMMIT');
      } catch (error) {
        await session.exec('ROLLBACK').catch(() => undefined);
        throw new Error(`Migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration);
    }
    return { applied, current: migrations.length };
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

function migrationActor(migration: Migration): Actor {
  return { requestId: `migration ${String(migration.version).padStart(3, '0')}_${migration.name}`, clientId: 'haven-migrate' };
}
