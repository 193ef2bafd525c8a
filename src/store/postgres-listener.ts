// LISTEN for the node-postgres engine: one dedicated connection per database (not a pooled one:
// a pooled connection is shared between requests and returned idle; LISTEN needs to stay put),
// reconnected after a loss. While it is down, handlers are told so (down()), and once it is back
// and LISTENing again, up(): what was remembered in between may be stale.
import pg from 'pg';
import type { NotificationHandlers } from './db.js';

/** A sync that takes longer means a connection that is not really there: it is dropped. */
const SYNC_TIMEOUT_MS = 2000;

/** Waits between reconnection attempts: short, since every request queries while it is down. */
const RETRY_MS = [100, 500, 1000, 2000, 5000];

export class PostgresListener {
  private readonly channels = new Map<string, Set<NotificationHandlers>>();
  private client?: pg.Client;
  private connecting?: Promise<void>;
  private live = false;
  private failures = 0;
  private retry?: NodeJS.Timeout;
  private closed = false;

  constructor(config: pg.ClientConfig) {
    // Named, so that an operator (and a test) can tell it from the pool's connections.
    this.config = { ...config, application_name: 'haven-listen' };
  }
  private readonly config: pg.ClientConfig;

  listen(channel: string, handlers: NotificationHandlers): void {
    const known = this.channels.get(channel);
    if (known) known.add(handlers);
    else this.channels.set(channel, new Set([handlers]));
    if (this.live && this.client) {
      // A new channel on a live connection: up() once its LISTEN has taken effect.
      const client = this.client;
      if (known) return handlers.up();
      client.query(`LISTEN ${pg.escapeIdentifier(channel)}`).then(
        () => this.client === client && this.live && handlers.up(),
        (error: Error) => this.lost(client, error),
      );
      return;
    }
    this.connect();
  }

  private syncing?: Promise<void>;
  private nextSync?: Promise<void>;

  /**
   * A round trip on the listening connection: PostgreSQL signals the listening backends when a
   * notifying transaction commits, before that transaction's own client hears of the commit, and
   * a signalled backend sends the notification before it reads another command. So once a
   * `SELECT 1` sent after a change committed returns, that change's notification has been
   * handled. A sync already in flight may have been sent too early for the caller: callers that
   * come meanwhile share the next one.
   */
  sync(): Promise<void> {
    if (!this.syncing) return this.startSync();
    this.nextSync ??= this.syncing
      .catch(() => undefined)
      .then(() => {
        this.nextSync = undefined;
        return this.startSync();
      });
    return this.nextSync;
  }

  private startSync(): Promise<void> {
    const client = this.client;
    if (!client || !this.live) return Promise.reject(new Error('not listening'));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the listening connection did not answer')), SYNC_TIMEOUT_MS);
    });
    const run: Promise<void> = Promise.race([client.query('SELECT 1'), timeout]).then(
      () => {
        clearTimeout(timer);
        if (this.syncing === run) this.syncing = undefined;
      },
      (error: Error) => {
        clearTimeout(timer);
        if (this.syncing === run) this.syncing = undefined;
        this.lost(client, error);
        throw error;
      },
    );
    this.syncing = run;
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.live = false;
    await client?.end().catch(() => undefined);
  }

  private connect(): void {
    if (this.closed || this.client || this.connecting) return;
    const client = new pg.Client(this.config);
    // Without an 'error' listener a lost connection would crash the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      for (const handlers of this.channels.get(message.channel) ?? []) handlers.notify(message.payload ?? '');
    });
    this.client = client;
    this.connecting = (async () => {
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    })().then(
      () => {
        this.connecting = undefined;
        if (this.client !== client) return;
        this.live = true;
        this.failures = 0;
        for (const set of this.channels.values()) for (const handlers of set) handlers.up();
      },
      (error: Error) => {
        this.connecting = undefined;
        this.lost(client, error);
      },
    );
  }

  private lost(client: pg.Client, _error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    const wasLive = this.live;
    this.live = false;
    client.end().catch(() => undefined);
    if (wasLive) for (const set of this.channels.values()) for (const handlers of set) handlers.down();
    if (this.closed) return;
    const wait = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)];
    this.retry = setTimeout(() => this.connect(), wait);
    this.retry.unref();
  }
}
