// Verified tokens are remembered (an RSA check per request cost more than a read), but never past
// their expiry, and a revoked client is refused at once all the same.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { FileKeySource, KeyRing } from '../../src/auth/keys.js';
import { mintAccessToken, TokenVerifier } from '../../src/auth/tokens.js';

const BASE = 'http://haven.test/fhir';
const settings = { issuer: BASE, audience: BASE };

function keyRing(t: Test): KeyRing {
  const dir = mkdtempSync(path.join(tmpdir(), 'haven-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return new KeyRing(new FileKeySource(dir));
}

/** Makes Date.now() and new Date() answer `ms` later until the test ends. */
function laterBy(t: Test, ms: number): void {
  const RealDate = Date;
  class LaterDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length) super(...(args as ConstructorParameters<DateConstructor>));
      else super(RealDate.now() + ms);
    }
    static override now(): number {
      return RealDate.now() + ms;
    }
  }
  globalThis.Date = LaterDate as DateConstructor;
  t.teardown(() => {
    globalThis.Date = RealDate;
  });
}

t.test('a remembered token still answers to revocation and expiry', async (t) => {
  const keys = keyRing(t);
  let active = true;
  const verifier = new TokenVerifier(keys, settings, async () => active);
  const token = await mintAccessToken(keys, settings, { scope: 'system/*.rs', clientId: 'c1', ttlSeconds: 1 });
  t.equal((await verifier.verify(token)).clientId, 'c1');
  t.equal((await verifier.verify(token)).clientId, 'c1', 'verified again (from memory)');
  active = false;
  await t.rejects(verifier.verify(token), { message: /revoked/ }, 'revocation takes effect at once');
  active = true;
  // exp is in whole seconds and 5 seconds of clock skew are tolerated: 7.5 s later it is past both.
  // The clock is moved on instead of waited for (the cache reads Date.now, jose new Date()).
  laterBy(t, 7_500);
  await t.rejects(verifier.verify(token), { message: /expired/ }, 'never accepted past its expiry');
  const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  await t.rejects(verifier.verify(tampered), 'another text is verified on its own');
});
