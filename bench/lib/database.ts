// A fresh database for one benchmark run, on the PostgreSQL server of DATABASE_URL.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrationsDir, packageRoot } from '../../src/paths.js';
import { identifier } from '../../src/store/db.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres.js';

export interface BenchDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/**
 * A migrated database with the baseline tables; `extraSql` runs after (e.g. removing auditing).
 * `migrations` is the folder to migrate with: a --compare run migrates with the base commit's, so
 * that the base Haven starts on it, and the working tree's Haven applies its newer ones after.
 */
export async function createBenchDatabase(serverUrl: string, name: string, extraSql?: string, migrations = migrationsDir): Promise<BenchDatabase> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  await adminQuery(admin, `CREATE DATABASE ${identifier(name)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const haven = await openPostgres(url.toString(), 1);
  try {
    await migrate(haven, loadMigrations(migrations));
    await haven.exec(readFileSync(path.join(packageRoot, 'bench', 'lib', 'schema.sql'), 'utf8'));
    if (extraSql) await haven.exec(extraSql);
  } finally {
    await haven.close();
  }
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${identifier(name)} WITH (FORCE)`);
    },
  };
}

async function adminQuery(url: URL, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
