// Issue 20: after `haven keys rotate` twice, a token signed with the retired key is refused at the
// next request on every instance (it was accepted for up to 30 s). Two app instances on one
// database with the keys in the database (DATABASE_URL without KEYS_DIR), and two key rings on one
// KEYS_DIR, each rotated by a third party (the command's source).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { DatabaseKeySource, FileKeySource, KeyRing } from '../../src/auth/keys.js';
import { mintAccessToken, TokenVerifier } from '../../src/auth/tokens.js';
import { openPostgres } from '../../src/store/postgres.js';
import { engine, testDatabase } from '../helpers/database.js';
import { keysInDatabaseInstance } from '../helpers/db-keys-instance.js';

/** One Haven instance over `db`, its signing keys in the database. */
const instance = keysInDatabaseInstance;

t.test('keys in the database: a retired key is refused at once on every instance', async (t) => {
  const { db, url } = await testDatabase(t);
  // On PostgreSQL each instance has its own pool, and the rotation comes from a third connection
  // (the `haven keys rotate` process); PGlite has one session, which the instances share.
  const second = url ? await openPostgres(url, 2) : db;
  if (url) t.teardown(() => second.close());
  const rotator = url ? await openPostgres(url, 1) : db;
  if (url) t.teardown(() => rotator.close());
  const one = await instance(t, db);
  const two = await instance(t, second);
  await one.services.auth.keys.open();
  const old = await mintAccessToken(one.services.auth.keys, one.services.auth.settings, { scope: 'system/*.rs', ttlSeconds: 600 });
  t.equal(await one.status(old), 200, 'instance one accepts the token');
  t.equal(await two.status(old), 200, 'instance two accepts the token (and remembers it)');

  const source = new DatabaseKeySource(rotator);
  await source.rotate();
  t.equal(await one.status(old), 200, 'after one rotation the previous key still verifies');
  t.equal(await two.status(old), 200);
  const middle = await mintAccessToken(two.services.auth.keys, two.services.auth.settings, { scope: 'system/*.rs', ttlSeconds: 600 });
  await source.rotate();
  t.equal(await one.status(old), 401, 'after the second rotation instance one refuses the retired key at once');
  t.equal(await two.status(old), 401, 'and so does instance two');
  t.equal(await one.status(middle), 200, 'the previous key still verifies');
  const fresh = await mintAccessToken(one.services.auth.keys, one.services.auth.settings, { scope: 'system/*.rs', ttlSeconds: 600 });
  t.equal(await two.status(fresh), 200, 'a token of the new key works on the other instance at once');
  const [newest] = await source.load();
  t.equal((await one.services.auth.keys.signingKey()).kid, newest.kid, 'new tokens are signed with the newest key');
});

t.test(
  'keys in KEYS_DIR: two servers on one directory refuse a retired key at once',
  { skip: engine === 'postgres' && 'engine-independent: run on PGlite' },
  async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'haven-keys-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const settings = { issuer: 'http://haven.test/fhir', audience: 'http://haven.test/fhir' };
    const rings = [new KeyRing(new FileKeySource(dir)), new KeyRing(new FileKeySource(dir))];
    const verifiers = rings.map((ring) => new TokenVerifier(ring, settings, async () => true));
    const old = await mintAccessToken(rings[0], settings, { scope: 'system/*.rs', ttlSeconds: 600 });
    for (const v of verifiers) t.ok(await v.verify(old), 'accepted (and remembered)');
    const command = new FileKeySource(dir);
    await command.rotate();
    await command.rotate();
    for (const [i, v] of verifiers.entries()) {
      await t.rejects(v.verify(old), { message: /does not know/ }, `server ${i + 1} refuses the retired key at the next request`);
    }
  },
);
