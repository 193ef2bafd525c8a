// Haven's token-signing keys kept in the database (DATABASE_URL deployments without KEYS_DIR), so
// that every instance and the `haven token` command share them.
import type { Database, Queryable } from './db.js';

export interface StoredSigningKey {
  kid: string;
  privateJwk: object;
  publicJwk: object;
}

/** The newest keys first: [current, previous]. */
export async function latestSigningKeys(q: Queryable, limit = 2): Promise<StoredSigningKey[]> {
  const { rows } = await q.query<{ kid: string; private_jwk: object; public_jwk: object }>(
    'SELECT kid, private_jwk, public_jwk FROM auth_signing_key ORDER BY created_at DESC, kid DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ kid: r.kid, privateJwk: r.private_jwk, publicJwk: r.public_jwk }));
}

/**
 * The kids in service (current, previous), as one text: changes with every rotation. Cheap enough
 * to ask at every request (issue 20: a rotation takes effect at once on every instance).
 */
export async function signingKeysVersion(q: Queryable): Promise<string | undefined> {
  const { rows } = await q.query<{ kids: string | null }>(
    `SELECT string_agg(kid, ',' ORDER BY created_at DESC, kid DESC) AS kids
       FROM (SELECT kid, created_at FROM auth_signing_key ORDER BY created_at DESC, kid DESC LIMIT 2) k`,
    [],
    { prepare: true },
  );
  return rows[0]?.kids ?? undefined;
}

/** Adds a key, which becomes the current one (rotation). */
export async function addSigningKey(q: Queryable, key: StoredSigningKey): Promise<void> {
  await q.query('INSERT INTO auth_signing_key (kid, private_jwk, public_jwk) VALUES ($1, $2::jsonb, $3::jsonb)', [
    key.kid,
    JSON.stringify(key.privateJwk),
    JSON.stringify(key.publicJwk),
  ]);
}

/**
 * Adds the first key unless one exists: instances starting together take turns under an advisory
 * lock, so exactly one key is made.
 */
export async function addFirstSigningKey(db: Database, key: StoredSigningKey): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(727002)');
    const { rows } = await tx.query('SELECT 1 FROM auth_signing_key LIMIT 1');
    if (!rows.length) await addSigningKey(tx, key);
  });
}
