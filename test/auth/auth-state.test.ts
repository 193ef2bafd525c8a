// The signing keys in service, client revocation and token revocation are remembered per process
// while it LISTENs on haven_auth (src/store/notifications.ts), and asked of the database while it
// does not. A warm authenticated request asks the database nothing about them; a rotation or a
// revocation made through another connection (another process, `haven keys rotate`) is seen at
// the next request; and when the listening connection is lost, every request asks again until it
// is back, and what was remembered before is read afresh.
import t, { type Test } from 'tap';
import { DatabaseKeySource } from '../../src/auth/keys.js';
import { mintAccessToken } from '../../src/auth/tokens.js';
import { insertClient, revokeClient } from '../../src/store/clients.js';
import type { Database } from '../../src/store/db.js';
import { authStateOf } from '../../src/store/notifications.js';
import { openPostgres } from '../../src/store/postgres.js';
import { engine, testDatabase } from '../helpers/database.js';
import { keysInDatabaseInstance, type KeysInDatabaseInstance } from '../helpers/db-keys-instance.js';

/** The database, counting the statements that ask about keys, clients and revocations. */
function counting(db: Database): { db: Database; asked: () => number } {
  let asked = 0;
  const wrapped: Database = new Proxy(db, {
    get(target, name, receiver) {
      if (name === 'query') {
        return (sql: string, ...rest: unknown[]) => {
          if (/auth_signing_key|auth_client|oauth_grant|oauth_revoked_token/.test(sql)) asked++;
          return (target.query as (...args: unknown[]) => unknown)(sql, ...rest);
        };
      }
      const value = Reflect.get(target, name, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: wrapped, asked: () => asked };
}

async function instance(t: Test, db: Database): Promise<KeysInDatabaseInstance> {
  const one = await keysInDatabaseInstance(t, db);
  await one.services.auth.keys.open();
  return one;
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

t.test('while listening, a warm request asks nothing; a rotation or revocation from another connection is seen at once', async (t) => {
  const { db, url } = await testDatabase(t);
  const { db: watched, asked } = counting(db);
  // The changes come from a connection of their own on PostgreSQL (as `haven keys rotate` or
  // another process would), from the one session on PGlite.
  const other = url ? await openPostgres(url, 1) : db;
  if (url) t.teardown(() => other.close());
  const one = await instance(t, watched);
  await until('the listening connection', () => authStateOf(watched).listening);
  await insertClient(other, { clientId: 'feed', clientName: 'feed', scope: 'system/*.rs', jwks: { keys: [] } });
  const token = await mintAccessToken(one.services.auth.keys, one.services.auth.settings, { scope: 'system/*.rs', ttlSeconds: 600, clientId: 'feed' });

  t.equal(await one.status(token), 200, 'accepted');
  const before = asked();
  for (let i = 0; i < 5; i++) t.equal(await one.status(token), 200);
  t.equal(asked() - before, 0, 'five warm requests asked the database nothing about keys or the client');

  const source = new DatabaseKeySource(other);
  await source.rotate();
  t.equal(await one.status(token), 200, 'one rotation: the previous key still verifies');
  await source.rotate();
  t.equal(await one.status(token), 401, 'a second rotation retires the key: refused at the next request');

  const fresh = await mintAccessToken(one.services.auth.keys, one.services.auth.settings, { scope: 'system/*.rs', ttlSeconds: 600, clientId: 'feed' });
  t.equal(await one.status(fresh), 200, 'a token of the new key');
  t.equal(await one.status(fresh), 200, 'and again (remembered)');
  t.ok(await revokeClient(other, 'feed'));
  t.equal(await one.status(fresh), 401, 'the client revoked through another connection: refused at the next request');
});

t.test(
  'the listening connection lost: every request asks the database, and after reconnecting the state is read afresh',
  { skip: engine !== 'postgres' && 'PGlite listens in its own session, which cannot be lost' },
  async (t) => {
    const { db, url } = await testDatabase(t);
    const { db: watched, asked } = counting(db);
    const other = await openPostgres(url as string, 1);
    t.teardown(() => other.close());
    const one = await instance(t, watched);
    const state = authStateOf(watched);
    await until('the listening connection', () => state.listening);
    await insertClient(other, { clientId: 'feed', clientName: 'feed', scope: 'system/*.rs', jwks: { keys: [] } });
    const token = await mintAccessToken(one.services.auth.keys, one.services.auth.settings, { scope: 'system/*.rs', ttlSeconds: 600, clientId: 'feed' });
    t.equal(await one.status(token), 200);
    t.equal(await one.status(token), 200, 'remembered');

    // Cut the listening connection, and keep it from coming back while the client is revoked: with
    // its notification missed, only asking the database refuses the token.
    const cut = async () =>
      (
        await other.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'haven-listen' AND datname = current_database()`,
        )
      ).rows.length;
    t.equal(await cut(), 1, 'the one listening connection of this process is cut');
    await until('the loss to be noticed', () => !state.listening);
    const before = asked();
    t.equal(await one.status(token), 200, 'still accepted while not listening');
    t.ok(asked() - before >= 2, 'and the keys and the client were asked of the database');
    await other.query('ALTER TABLE auth_client DISABLE TRIGGER auth_client_notify');
    t.teardown(() => other.query('ALTER TABLE auth_client ENABLE TRIGGER auth_client_notify'));
    t.ok(await revokeClient(other, 'feed'), 'revoked without a notification');
    t.equal(await one.status(token), 401, 'refused at once: asked of the database while not listening');

    await until('the listening connection to come back', () => state.listening);
    t.equal(await one.status(token), 401, 'still refused after reconnecting (the state was read afresh)');
    await other.query('ALTER TABLE auth_client ENABLE TRIGGER auth_client_notify');
    await other.query(`UPDATE auth_client SET revoked_at = NULL WHERE client_id = 'feed'`);
    t.equal(await one.status(token), 200, 'un-revoked (by hand, with a notification): accepted again');
    const warm = asked();
    t.equal(await one.status(token), 200);
    t.equal(asked() - warm, 0, 'and remembered again once listening');
  },
);
