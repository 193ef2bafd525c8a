// Haven's own token-signing keys. They are made at first start and kept where both the server and
// the `haven token` command can read them without the other's help: files in KEYS_DIR (default
// DATA_DIR/keys, which the embedded database's single-process lock does not cover), or the database
// for DATABASE_URL deployments without KEYS_DIR. The newest key signs; the one before it is still
// published and accepted, so keys rotate (`haven keys rotate`) without cutting live tokens off.
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Database } from '../store/db.js';
import { authStateOf } from '../store/notifications.js';
import { addFirstSigningKey, addSigningKey, latestSigningKeys, signingKeysVersion, type StoredSigningKey } from '../store/signing-keys.js';

/** RS256: fast to verify on every request, and what every JOSE library accepts. */
export const SIGNING_ALG = 'RS256';

export interface KeySource {
  /** Newest first; at most two (current and previous). */
  load(): Promise<StoredSigningKey[]>;
  /** Makes the first key when there is none. */
  ensure(): Promise<void>;
  /** Adds a new current key; the current one becomes the previous one. */
  rotate(): Promise<void>;
  /**
   * A cheap token that changes when the keys change (a file's identity, the database's current
   * kids), or undefined when unknown. Asked on every use of the keys, so that a rotation by another
   * process or instance takes effect at the next request (issue 20).
   */
  version(): Promise<string | undefined>;
}

export async function newSigningKey(): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const use = { kid, alg: SIGNING_ALG, use: 'sig' };
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), ...use }, publicJwk: { ...publicJwk, ...use } };
}

/** Keys in a JSON file, readable only by the owner; replaced atomically (write, then rename). */
export class FileKeySource implements KeySource {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = path.join(dir, 'signing-keys.json');
  }

  async load(): Promise<StoredSigningKey[]> {
    if (!existsSync(this.file)) return [];
    const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { keys?: StoredSigningKey[] };
    return (parsed.keys ?? []).slice(0, 2);
  }

  async ensure(): Promise<void> {
    if (existsSync(this.file)) return;
    const temp = this.writeTemp([await newSigningKey()]);
    try {
      // link() fails when the file exists: of a server and a CLI starting together, one key wins.
      linkSync(temp, this.file);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temp);
    }
  }

  async rotate(): Promise<void> {
    const keys = [await newSigningKey(), ...(await this.load())].slice(0, 2);
    renameSync(this.writeTemp(keys), this.file);
  }

  async version(): Promise<string | undefined> {
    try {
      // The file is replaced by rename: a rotation always shows as a new inode.
      const stat = statSync(this.file);
      return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch {
      return undefined;
    }
  }

  private writeTemp(keys: StoredSigningKey[]): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temp = path.join(this.dir, `.signing-keys.${randomUUID()}.tmp`);
    writeFileSync(temp, JSON.stringify({ keys }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(temp, 0o600);
    return temp;
  }
}

export class DatabaseKeySource implements KeySource {
  constructor(private readonly db: Database) {}
  load(): Promise<StoredSigningKey[]> {
    return latestSigningKeys(this.db);
  }
  async ensure(): Promise<void> {
    if ((await this.load()).length) return;
    await addFirstSigningKey(this.db, await newSigningKey());
  }
  async rotate(): Promise<void> {
    await addSigningKey(this.db, await newSigningKey());
  }
  /**
   * The kids in service, newest first: one indexed query, remembered while this process LISTENs
   * for key changes (a rotation anywhere notifies in its own transaction: store/notifications.ts).
   */
  version(): Promise<string | undefined> {
    return authStateOf(this.db).remember('signing-keys', () => signingKeysVersion(this.db));
  }
}

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  privateKey: CryptoKey | Uint8Array;
  publicKey: CryptoKey | Uint8Array;
}

/**
 * The keys in memory, reloaded when the source changes (a rotation by another process or
 * instance): its version is compared at every use, so a retired key is refused at the next request
 * on every instance; besides, every `refreshMs`, and at once (not more than once a second) when a
 * token names an unknown kid.
 */
export class KeyRing {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;
  private loadedVersion: string | undefined;
  private loading?: Promise<void>;

  constructor(
    readonly source: KeySource,
    private readonly refreshMs = 30_000,
  ) {}

  private opening?: Promise<void>;

  /** Makes sure a key exists and loads the keys (once; every other method does it first). */
  open(): Promise<void> {
    this.opening ??= (async () => {
      await this.source.ensure();
      await this.reload();
    })().catch((error) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  async signingKey(): Promise<LoadedKey> {
    await this.refreshIfStale();
    const key = this.keys[0];
    if (!key) throw new Error('No signing key; run the server once or `haven keys rotate`');
    return key;
  }

  /** The public key for a kid, reloading once when it is unknown. */
  async verificationKey(kid: string | undefined): Promise<LoadedKey | undefined> {
    await this.refreshIfStale();
    let key = this.keys.find((k) => k.kid === kid);
    if (!key && kid !== undefined && Date.now() - this.loadedAt > 1000) {
      await this.reload();
      key = this.keys.find((k) => k.kid === kid);
    }
    return key;
  }

  /** The JWK Set published at jwks_uri: current and previous public keys. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.refreshIfStale();
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  private async refreshIfStale(): Promise<void> {
    await this.open();
    const now = Date.now();
    if (now - this.loadedAt >= this.refreshMs) return this.reload();
    // A rotation elsewhere shows as a new version: checked every time, never from a timer, so a
    // retired key stops working at the next request rather than within seconds.
    const version = await this.source.version();
    if (version !== undefined && version !== this.loadedVersion) await this.reload();
  }

  private reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        // Read before the keys: a rotation in between shows as a new version next time.
        const version = await this.source.version();
        const stored = await this.source.load();
        this.keys = await Promise.all(
          stored.map(async (k) => ({
            kid: k.kid,
            publicJwk: k.publicJwk as JWK,
            privateKey: await importJWK(k.privateJwk as JWK, SIGNING_ALG),
            publicKey: await importJWK(k.publicJwk as JWK, SIGNING_ALG),
          })),
        );
        this.loadedAt = Date.now();
        this.loadedVersion = version;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}

/** The key source the configuration names. */
export function keySource(keysDir: string | undefined, db: () => Database): KeySource {
  return keysDir ? new FileKeySource(keysDir) : new DatabaseKeySource(db());
}
