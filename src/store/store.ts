// The store's front door: one database, one indexer, and the caller's context turned into a
// transaction whose settings carry who acts to the audit triggers.
import { recordDenial, type AccessAuditOptions, type Denial } from './audit.js';
import { AuditLog } from './audit-log.js';
import type { Actor, StoreContext } from './context.js';
import type { Database } from './db.js';
import type { ResourceIndexer } from './indexer.js';
import { historyExists, readHistory, type HistoryPage, type HistoryQuery } from './history.js';
import { ResourceStore, type Clock } from './resources.js';
import type { SearchEngine } from './search/engine.js';

export interface StoreOptions {
  /**
   * How reads made outside a transaction (Store.reader, history, searches) commit their audit
   * rows: asynchronously by default (AUDIT_READ_COMMIT=async), see AccessAuditOptions.
   */
  readAudit?: AccessAuditOptions;
  /** The search engine (conditional matches, searches). */
  search?: SearchEngine;
}

export class Store {
  /** Options for addAccessAudit in statements that run on their own (not in Store.transaction). */
  readonly readAudit: AccessAuditOptions;
  /** The audit log, read as AuditEvents. */
  readonly audit: AuditLog;
  readonly search?: SearchEngine;

  constructor(
    readonly db: Database,
    readonly indexer: ResourceIndexer,
    private readonly clock: Clock = () => new Date(),
    options: StoreOptions = {},
  ) {
    this.readAudit = options.readAudit ?? { asyncCommit: true };
    this.audit = new AuditLog(db, this.readAudit);
    this.search = options.search;
  }

  /** Runs fn in one database transaction; everything it writes commits or rolls back together. */
  transaction<T>(ctx: StoreContext, fn: (store: ResourceStore) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new ResourceStore(tx, ctx, { indexer: this.indexer, clock: this.clock, search: this.search })), {
      settings: { 'haven.actor': JSON.stringify(ctx.actor) },
    });
  }

  /**
   * A store for ONE create outside any transaction: the create is a single statement (resource,
   * history, index rows, and through the triggers its audit record) that commits on its own, the
   * actor carried inside it, so it costs one round trip instead of BEGIN, write and COMMIT. For
   * creates that need nothing else in their transaction (no If-None-Exist, no after-write hooks).
   */
  single(ctx: StoreContext): ResourceStore {
    return new ResourceStore(this.db, ctx, { indexer: this.indexer, clock: this.clock, search: this.search, autocommit: true });
  }

  /** Reads outside an explicit transaction: each call is a single statement. */
  reader(ctx: StoreContext): ResourceStore {
    return new ResourceStore(this.db, ctx, { indexer: this.indexer, clock: this.clock, readAudit: this.readAudit, search: this.search });
  }

  history(ctx: StoreContext, query: HistoryQuery): Promise<HistoryPage> {
    return readHistory(this.db, ctx, query, this.readAudit);
  }

  /** Whether an instance has a version this caller may see (instance history's 404). */
  historyExists(ctx: StoreContext, resourceType: string, id: string): Promise<boolean> {
    return historyExists(this.db, ctx, resourceType, id);
  }

  /** Records a request refused with 401 or 403 (no PHI: see Denial). */
  recordDenial(actor: Actor, denial: Denial): Promise<void> {
    return recordDenial(this.db, actor, denial);
  }
}
