// What decides whether a token is still accepted (the signing keys in service, whether a client is
// active, whether a grant or an access token was revoked) kept in memory per database, so that an
// authenticated request does not ask the database for it every time (bench/README.md, round two).
// Correctness first: an answer is remembered only while this process LISTENs on haven_auth, whose
// notifications every such change sends in its own transaction (migrations/009_auth_notify.sql);
// any notification forgets everything, and so does a lost or regained listening connection.
// While not listening, every question goes to the database, as before.
import type { Database, Listening } from './db.js';

export const AUTH_CHANNEL = 'haven_auth';

/** Enough for every client and live token of a busy server; beyond it the oldest is forgotten. */
const MAX_ENTRIES = 10_000;

export class AuthState {
  private live = false;
  /** Bumped by every change: an answer read before a change is not kept after it. */
  private generation = 0;
  private readonly entries = new Map<string, unknown>();

  private readonly channel: Listening;

  constructor(db: Database) {
    this.channel = db.listen(AUTH_CHANNEL, {
      notify: () => this.forget(),
      up: () => {
        this.forget();
        this.live = true;
      },
      down: () => {
        this.live = false;
        this.forget();
      },
    });
  }

  /** Whether answers are being remembered (the listening connection is up). */
  get listening(): boolean {
    return this.live;
  }

  /**
   * Waits until every change committed before the call has been heard (see Listening.sync): an
   * authenticated request calls it once, before its checks, so that a revocation whose answer
   * came back before the request was sent is never answered from memory. When that fails the
   * connection is treated as lost, and the checks ask the database.
   */
  async settled(): Promise<void> {
    if (!this.live) return;
    await this.channel.sync().catch(() => undefined);
  }

  /** The remembered answer for key, or read()'s, remembered if no change came in meanwhile. */
  async remember<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (this.live && this.entries.has(key)) return this.entries.get(key) as T;
    const generation = this.generation;
    const value = await read();
    if (this.live && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, value);
    }
    return value;
  }

  private forget(): void {
    this.generation++;
    this.entries.clear();
  }
}

const states = new WeakMap<Database, AuthState>();

/** The one AuthState of a database (one listening connection however many apps share the pool). */
export function authStateOf(db: Database): AuthState {
  let state = states.get(db);
  if (!state) states.set(db, (state = new AuthState(db)));
  return state;
}
