// The statements a Database is sent, for tests that check what the server really runs: EXPLAIN of
// a search's statements, the access rule inside them. A wrapper handed to the app in place of its
// database (testApp's `database` option), so nothing in src/ changes for it.
import type { Database, Queryable } from '../../src/store/db.js';

export interface SentStatement {
  sql: string;
  params: readonly unknown[];
}

export class StatementRecorder {
  private log: SentStatement[] | undefined;

  /** `db` as the app should use it: every query (in transactions and sessions too) recorded. */
  wrap(db: Database): Database {
    return new Proxy(db, {
      // An arrow function, so `this` stays the recorder inside the trap.
      get: (target, prop, receiver) => {
        if (prop === 'query') return this.recording(target);
        if (prop === 'transaction') {
          return <T>(fn: (tx: Queryable) => Promise<T>, options?: Parameters<Database['transaction']>[1]) =>
            target.transaction((tx) => fn({ query: this.recording(tx) }), options);
        }
        if (prop === 'withSession') return <T>(fn: (session: Database) => Promise<T>) => target.withSession((session) => fn(this.wrap(session)));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** The statements sent while `fn` runs (nothing else runs in a test app meanwhile). */
  async during(fn: () => Promise<unknown>): Promise<SentStatement[]> {
    const log: SentStatement[] = [];
    this.log = log;
    try {
      await fn();
    } finally {
      this.log = undefined;
    }
    return log;
  }

  private recording(q: Queryable): Queryable['query'] {
    return (sql, params, options) => {
      this.log?.push({ sql, params: params ?? [] });
      return q.query(sql, params, options);
    };
  }
}

/** The statements that read resources (the resource table or the search index), in order. */
export function resourceStatements(statements: SentStatement[]): SentStatement[] {
  return statements.filter((s) => /\b(FROM|JOIN) (resource|search_\w+) \w+/.test(s.sql));
}
