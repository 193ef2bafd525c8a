// The embedded engine: PGlite keeps a real PostgreSQL data directory on disk in DATA_DIR. It has one
// session, so PGlite itself serialises transactions; a query issued while a transaction runs waits.
import { mkdirSync } from 'node:fs';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import {
  settingsScript,
  transactionModes,
  type Database,
  type Listening,
  type NotificationHandlers,
  type Queryable,
  type QueryResult,
  type TransactionOptions,
} from './db.js';

// int8 as JS numbers, as the node-postgres engine does, so both engines hand back identical rows.
const parsers = { [types.INT8]: (value: string) => Number(value) };

class PgliteQueryable implements Queryable {
  constructor(private readonly target: PGlite | Transaction) {}
  async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    const result = await this.target.query<R>(sql, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }
}

export class PgliteDatabase implements Database {
  readonly engine = 'pglite' as const;
  private readonly q: PgliteQueryable;
  constructor(readonly pglite: PGlite) {
    this.q = new PgliteQueryable(pglite);
  }
  query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.q.query<R>(sql, params);
  }
  async exec(sql: string): Promise<void> {
    await this.pglite.exec(sql);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    // PGlite's transaction() issues a bare BEGIN; modes and settings follow as its first statement.
    const modes = transactionModes(options);
    const setup = (modes ? `SET TRANSACTION ${modes};` : '') + settingsScript(options);
    return this.pglite.transaction(async (tx) => {
      if (setup) await tx.exec(setup);
      return fn(new PgliteQueryable(tx));
    });
  }
  withSession<T>(fn: (session: Database) => Promise<T>): Promise<T> {
    return fn(this);
  }
  /** One process, one session: a notification is handed over before the statement that made it
   * resolves, so there is nothing to lose and the listener is up once LISTEN has run. */
  listen(channel: string, handlers: NotificationHandlers): Listening {
    this.pglite
      .listen(channel, (payload) => handlers.notify(payload))
      .then(
        () => handlers.up(),
        () => handlers.down(),
      );
    return { sync: () => Promise.resolve() };
  }
  async close(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}

export async function openPglite(options: { dataDir?: string; loadDataDir?: Blob; statementTimeoutMs?: number }): Promise<PgliteDatabase> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pglite = new PGlite({
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    parsers,
  });
  await pglite.waitReady;
  // Accepted, but PGlite (0.5) does not act on it: a statement runs synchronously inside the
  // WebAssembly module on Node's event loop, so no timer can fire to cancel it. Set all the same
  // for a PGlite that one day does; the search bounds are what protect the embedded engine
  // (docs/security.md).
  if (options.statementTimeoutMs) await pglite.exec(`SET statement_timeout = ${Math.floor(options.statementTimeoutMs)}`);
  return new PgliteDatabase(pglite);
}
