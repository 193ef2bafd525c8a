// The node-postgres engine: a pool of connections to a PostgreSQL server.
import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  beginScript,
  type Database,
  type Listening,
  type NotificationHandlers,
  type Queryable,
  type QueryOptions,
  type QueryResult,
  type TransactionOptions,
} from './db.js';
import { connectionLost } from './db-errors.js';
import { PostgresListener } from './postgres-listener.js';

// int8 (counts, bigserial keys) as JS numbers: Haven's keys stay far below 2^53, and PGlite is
// configured the same way so both engines hand back identical rows.
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Distinct statement texts kept prepared per database: each connection holds at most this many. */
const MAX_PREPARED = 200;

/** Names for prepared statements: the hash of the text, for at most MAX_PREPARED texts. */
class PreparedNames {
  private readonly names = new Map<string, string>();
  nameFor(sql: string): string | undefined {
    let name = this.names.get(sql);
    if (!name && this.names.size < MAX_PREPARED) {
      name = `h${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
      this.names.set(sql, name);
    }
    return name;
  }
}

class ClientQueryable implements Queryable {
  constructor(
    private readonly client: pg.PoolClient | pg.Pool,
    private readonly prepared: PreparedNames,
  ) {}
  async query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    const name = options?.prepare ? this.prepared.nameFor(sql) : undefined;
    const result = name
      ? await this.client.query({ name, text: sql, values: params as unknown[] | undefined })
      : await this.client.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  }
}

class SessionDatabase implements Database {
  readonly engine = 'postgres' as const;
  private readonly q: ClientQueryable;
  constructor(
    private readonly client: pg.PoolClient,
    private readonly prepared: PreparedNames,
    private readonly owner: Database,
  ) {
    this.q = new ClientQueryable(client, prepared);
  }
  listen(channel: string, handlers: NotificationHandlers): Listening {
    return this.owner.listen(channel, handlers);
  }
  query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    return this.q.query<R>(sql, params, options);
  }
  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return runTransaction(this.client, this.prepared, fn, options);
  }
  withSession<T>(fn: (session: Database) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async close(): Promise<void> {
    // The pool owns the connection; withSession releases it.
  }
}

async function runTransaction<T>(client: pg.PoolClient, prepared: PreparedNames, fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
  await client.query(beginScript(options));
  try {
    const result = await fn(new ClientQueryable(client, prepared));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const;
  private readonly q: ClientQueryable;
  private readonly prepared = new PreparedNames();
  private listener?: PostgresListener;
  constructor(
    private readonly pool: pg.Pool,
    private readonly clientConfig: pg.ClientConfig,
  ) {
    this.q = new ClientQueryable(pool, this.prepared);
  }
  listen(channel: string, handlers: NotificationHandlers): Listening {
    const listener = (this.listener ??= new PostgresListener(this.clientConfig));
    listener.listen(channel, handlers);
    return listener;
  }
  query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    return this.q.query<R>(sql, params, options);
  }
  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }
  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      return await runTransaction(client, this.prepared, fn, options);
    } catch (error) {
      // A connection error leaves the client unusable; drop it rather than return it to the pool.
      broken = connectionLost(error);
      throw error;
    } finally {
      client.release(broken);
    }
  }
  async withSession<T>(fn: (session: Database) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await fn(new SessionDatabase(client, this.prepared, this));
    } finally {
      client.release();
    }
  }
  async close(): Promise<void> {
    await this.listener?.close();
    await this.pool.end();
  }
}

export async function openPostgres(connectionString: string, poolSize: number, options: { statementTimeoutMs?: number } = {}): Promise<Database> {
  // statement_timeout as a startup parameter of every connection: the server cancels a statement
  // that runs longer (SQLSTATE 57014) and the connection stays usable. Sessions that must run
  // longer (migrations) set their own and restore it.
  const timeout = options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {};
  const clientConfig = { connectionString, types: typeParsers, ...timeout };
  const pool = new pg.Pool({ ...clientConfig, max: poolSize });
  // An idle client that loses its connection emits 'error' on the pool; without a listener the
  // process would crash. The next checkout simply gets a fresh connection.
  pool.on('error', () => undefined);
  const db = new PostgresDatabase(pool, clientConfig);
  await db.query('SELECT 1');
  return db;
}
