// Creates or drops one database on a PostgreSQL server: node .ci/database.mjs create|drop <server-url> <name>
import pg from 'pg';

const [action, server, name] = process.argv.slice(2);
if (!['create', 'drop'].includes(action) || !server || !/^[a-z0-9_]+$/.test(name ?? '')) {
  console.error('usage: node .ci/database.mjs create|drop <postgres://server> <name>');
  process.exit(2);
}
const client = new pg.Client({ connectionString: `${server}/postgres` });
await client.connect();
try {
  if (action === 'create') await client.query(`CREATE DATABASE "${name}"`);
  else await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  // Copies made by the test suite (<name>_t...) go with it.
  if (action === 'drop') {
    const { rows } = await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${name}_t%`]);
    for (const row of rows) await client.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
  }
} finally {
  await client.end();
}
