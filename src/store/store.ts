// The store's front door: one database, one indexer, and the caller's context turned into a
// transaction whose settings carry who acts to the audit triggers.
import type { StoreContext } from './context.js';
import type { Database } from './db.js';
import type { ResourceIndexer } from './indexer.js';
import { readHistory, type HistoryPage, type HistoryQuery } from './history.js';
import { ResourceStore, type Clock } from './resources.js';
import type { SearchEngine } from './search/engine.js';
import type { SearchRequest } from './search/request.js';
import { runSearch, type SearchResult } from './search/run.js';

export class Store {
  constructor(
    readonly db: Database,
    readonly indexer: ResourceIndexer,
    private readonly clock: Clock = () => new Date(),
    readonly search?: SearchEngine,
  ) {}

  /** Runs fn in one database transaction; everything it writes commits or rolls back together. */
  transaction<T>(ctx: StoreContext, fn: (store: ResourceStore) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new ResourceStore(tx, ctx, this.indexer, this.clock, this.search)), {
      settings: { 'haven.actor': JSON.stringify(ctx.actor) },
    });
  }

  /** Reads outside an explicit transaction: each call is a single statement. */
  reader(ctx: StoreContext): ResourceStore {
    return new ResourceStore(this.db, ctx, this.indexer, this.clock, this.search);
  }

  /** One page of a search, with its includes and total, limited to what the caller may see. */
  searchPage(ctx: StoreContext, request: SearchRequest): Promise<SearchResult> {
    return runSearch(this.db, ctx.access, request, this.search?.filters);
  }

  history(ctx: StoreContext, query: HistoryQuery): Promise<HistoryPage> {
    return readHistory(this.db, ctx.access, query);
  }
}
