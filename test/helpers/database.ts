// A fresh, migrated database for each test file, on the engine the run uses: PGlite (default) or
// the PostgreSQL server named by DATABASE_URL. Migrating is slow (PGlite takes seconds to
// initialise), so test/setup/before.ts migrates one template per run and every file gets a copy:
// a PGlite data-directory dump loaded in memory, or CREATE DATABASE ... TEMPLATE on PostgreSQL.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrationsDir, packageRoot } from '../../src/paths.js';
import { identifier, type Database } from '../../src/store/db.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';

export const engine: 'postgres' | 'pglite' = process.env.DATABASE_URL ? 'postgres' : 'pglite';

const stateDir = path.join(packageRoot, '.tap', 'haven');
const pgliteTemplate = path.join(stateDir, 'pglite-template.tar');

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Builds the PGlite template (a migrated data directory dump). Called once per run. */
export async function buildPgliteTemplate(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const db = await openPglite({});
  await migrate(db, loadMigrations(migrationsDir));
  const dump = await db.pglite.dumpDataDir('none');
  writeFileSync(pgliteTemplate, Buffer.from(await dump.arrayBuffer()));
  await db.close();
}

/** Migrates the DATABASE_URL database, which then serves as the template of every test database. */
export async function migratePostgresTemplate(): Promise<void> {
  const db = await openPostgres(requireUrl(), 1);
  try {
    await migrate(db, loadMigrations(migrationsDir));
  } finally {
    await db.close();
  }
}

/** A migrated database of its own for the calling test file, removed when the test ends. */
export async function testDatabase(t: Teardown): Promise<{ db: Database; url?: string }> {
  if (engine === 'pglite') {
    if (!existsSync(pgliteTemplate)) await buildPgliteTemplate();
    const db = await openPglite({ loadDataDir: new Blob([readFileSync(pgliteTemplate)]) });
    t.teardown(() => db.close());
    return { db };
  }
  const url = await createPostgresDatabase(t);
  const db = await openPostgres(url, 10);
  t.teardown(() => db.close());
  return { db, url };
}

/** CREATE DATABASE <template>_t<random> TEMPLATE <template>; dropped at teardown. */
export async function createPostgresDatabase(t: Teardown): Promise<string> {
  const templateUrl = new URL(requireUrl());
  const template = decodeURIComponent(templateUrl.pathname.slice(1));
  const name = `${template}_t${randomBytes(5).toString('hex')}`;
  await admin(templateUrl, `CREATE DATABASE ${identifier(name)} TEMPLATE ${identifier(template)}`);
  t.teardown(() => admin(templateUrl, `DROP DATABASE IF EXISTS ${identifier(name)} WITH (FORCE)`));
  const url = new URL(templateUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the copies a crashed run may have left behind. */
export async function dropLeftoverDatabases(): Promise<void> {
  const templateUrl = new URL(requireUrl());
  const template = decodeURIComponent(templateUrl.pathname.slice(1));
  const client = await adminClient(templateUrl);
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${template}_t%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${identifier(datname)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function admin(templateUrl: URL, sql: string): Promise<void> {
  // Copies of one template may not be made at the same moment; retry while another is being made.
  for (let attempt = 0; ; attempt++) {
    const client = await adminClient(templateUrl);
    try {
      await client.query(sql);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    } finally {
      await client.end();
    }
  }
}

async function adminClient(templateUrl: URL): Promise<pg.Client> {
  const url = new URL(templateUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

function requireUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  return url;
}

/**
 * Options for test transactions that write resources directly (bulk loads): the audit trail
 * refuses any change without an actor.
 */
export const AS_TEST_LOADER = { settings: { 'haven.actor': JSON.stringify({ requestId: 'test-load', clientId: 'test-loader' }) } };
