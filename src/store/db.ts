// One database interface, two engines: node-postgres for a PostgreSQL server and PGlite (PostgreSQL
// compiled to WebAssembly) kept on disk for the embedded default. Everything above store/ sees only
// these types, so the same SQL runs on both.

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Keep the statement prepared (named) on the connection, so repeated statements of the same text
   * skip parsing and planning. For hot statements whose plan does not hinge on the values (search
   * pages driven by one index); a bounded number per database. Engines without it ignore it.
   */
  prepare?: boolean;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Default read committed: optimistic locking is done with row locks (SELECT ... FOR UPDATE). */
  isolation?: IsolationLevel;
  readOnly?: boolean;
  /**
   * Transaction-local settings (set_config(name, value, true)) applied in the same round trip as
   * BEGIN. The audit triggers read who acts from here.
   */
  settings?: Readonly<Record<string, string>>;
}

export interface Database extends Queryable {
  readonly engine: 'postgres' | 'pglite';
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs a script of several statements (simple protocol, no parameters): migrations. */
  exec(sql: string): Promise<void>;
  /**
   * Runs fn on one dedicated session, for work that needs session state such as advisory locks.
   * On PGlite every call already shares the single session.
   */
  withSession<T>(fn: (session: Database) => Promise<T>): Promise<T>;
  /**
   * LISTENs on a channel until close(): PostgreSQL on one dedicated connection per database
   * (reconnected after a loss), PGlite in its single session (delivered before the notifying
   * statement's promise resolves). src/store/notifications.ts is the one caller.
   */
  listen(channel: string, handlers: NotificationHandlers): Listening;
  close(): Promise<void>;
}

export interface Listening {
  /**
   * Resolves once every notification committed before the call has been handed to the handlers
   * (PostgreSQL: a round trip on the listening connection, shared by the callers waiting at the
   * time; PGlite: at once). Rejects when not listening, or when the connection is lost.
   */
  sync(): Promise<void>;
}

export interface NotificationHandlers {
  notify(payload: string): void;
  /** Listening (again): whatever was remembered while not listening may be stale. */
  up(): void;
  /** Not listening (the connection was lost): notifications may be missed until up(). */
  down(): void;
}

/** SQL text that begins a transaction with its options and settings, as one simple-protocol script. */
export function beginScript(options: TransactionOptions = {}): string {
  const modes = transactionModes(options);
  return `BEGIN${modes ? ' ' + modes : ''};` + settingsScript(options);
}

/** "ISOLATION LEVEL ..., READ ONLY", or '' for the defaults. */
export function transactionModes(options: TransactionOptions = {}): string {
  const modes: string[] = [];
  if (options.isolation) modes.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
  if (options.readOnly) modes.push('READ ONLY');
  return modes.join(', ');
}

/** " SELECT set_config(...), ...;" for the transaction-local settings, or ''. */
export function settingsScript(options: TransactionOptions = {}): string {
  const settings = Object.entries(options.settings ?? {});
  if (!settings.length) return '';
  return ' SELECT ' + settings.map(([k, v]) => `set_config(${literal(k)}, ${literal(v)}, true)`).join(', ') + ';';
}

/** A PostgreSQL string literal. standard_conforming_strings is on in every supported version. */
export function literal(value: string): string {
  if (value.includes('\0')) throw new Error('NUL byte in SQL literal');
  return `'${value.replace(/'/g, "''")}'`;
}

/** A quoted SQL identifier (database names in tests and tooling). */
export function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
