// QueryOptions.prepare on PostgreSQL: the statement is kept prepared on the connection and answers
// correctly for every set of values. (PGlite ignores the option.)
import t from 'tap';
import { engine, testDatabase } from '../helpers/database.js';

t.test('a prepared statement is reused with new values', { skip: engine !== 'postgres' && 'PostgreSQL only' }, async (t) => {
  const { db } = await testDatabase(t);
  await db.withSession(async (session) => {
    const sql = 'SELECT $1::int + 1 AS n';
    t.equal((await session.query<{ n: number }>(sql, [1], { prepare: true })).rows[0].n, 2);
    t.equal((await session.query<{ n: number }>(sql, [41], { prepare: true })).rows[0].n, 42, 'new values, same statement');
    const { rows } = await session.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
    t.same(
      rows.map((r) => r.statement),
      [sql],
      'kept prepared on the connection',
    );
  });
});
