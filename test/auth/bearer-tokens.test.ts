// Bearer-token checks: every fault is a 401 with WWW-Authenticate: Bearer and an OperationOutcome;
// only discovery, metadata and /healthz are open. Tokens of an outside issuer (AUTH_ISSUER +
// AUTH_JWKS_URL) are accepted, and its keys are fetched again when a token names an unknown kid.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose';
import t, { type Test } from 'tap';
import { FileKeySource, KeyRing } from '../../src/auth/keys.js';
import { TokenVerifier } from '../../src/auth/tokens.js';
import { testApp, TEST_BASE_URL } from '../helpers/app.js';

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

t.test('token faults answer 401 with WWW-Authenticate: Bearer', async (t) => {
  const app = await testApp(t);
  await app.fhir('PUT', 'Patient/p1', { resourceType: 'Patient', id: 'p1' });
  const key = await app.services.auth.keys.signingKey();
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT({ scope: 'system/*.rs', ...claims }).setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header }).sign(key.privateKey);
  const valid = { iss: FHIR_BASE, aud: FHIR_BASE, exp: now + 600 };
  t.equal((await app.as(await sign(valid))('GET', 'Patient/p1')).status, 200, 'a well-formed token passes');

  const stranger = await generateKeyPair('RS256');
  const publicPem = await exportSPKI(key.publicKey as Parameters<typeof exportSPKI>[0]);
  const good = await sign(valid);
  const [header, , signature] = good.split('.');
  const faults: Record<string, string | undefined> = {
    'no token': undefined,
    'not a JWT': 'abc.def',
    expired: await sign({ ...valid, exp: now - 120 }),
    'not yet valid': await sign({ ...valid, nbf: now + 600 }),
    'without exp': await sign({ iss: FHIR_BASE, aud: FHIR_BASE }),
    'wrong aud': await sign({ ...valid, aud: 'http://other.test/fhir' }),
    'wrong issuer': await sign({ ...valid, iss: 'http://evil.test' }),
    'unknown key': await new SignJWT({ scope: 'system/*.rs', ...valid }).setProtectedHeader({ alg: 'RS256', kid: 'nobody' }).sign(stranger.privateKey),
    'own kid, other key': await new SignJWT({ scope: 'system/*.rs', ...valid }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(stranger.privateKey),
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ scope: 'system/*.cruds', ...valid })}.`,
    'tampered payload': `${header}.${b64({ scope: 'system/*.cruds', ...valid })}.${signature}`,
    'HS256 keyed with the public key': await new SignJWT({ scope: 'system/*.rs', ...valid })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .sign(new TextEncoder().encode(publicPem)),
  };
  for (const [fault, token] of Object.entries(faults)) {
    const res = await app.as(token)('GET', 'Patient/p1');
    t.equal(res.status, 401, fault);
    t.match(res.headers['www-authenticate'], /^Bearer/, `${fault}: WWW-Authenticate`);
    if (token !== undefined) t.match(res.headers['www-authenticate'], /error="invalid_token"/);
    t.equal(res.json.resourceType, 'OperationOutcome');
    t.equal(res.json.issue[0].code, 'login');
    t.notMatch(res.body, /"resourceType":"Patient"/);
  }
  t.equal((await app.fhir('GET', 'Patient/p1', undefined, { authorization: 'Basic dXNlcjpwYXNz' })).status, 401, 'only Bearer');
});

t.test('what needs no token, and what does', async (t) => {
  const app = await testApp(t);
  const open = app.as(undefined);
  t.equal((await open('GET', 'metadata')).status, 200);
  t.equal((await open('GET', '.well-known/smart-configuration')).status, 200);
  t.equal((await open('GET', '.well-known/jwks.json')).status, 200);
  t.equal((await app.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  for (const [method, path] of [
    ['GET', 'Patient/x'],
    ['GET', '_history'],
    ['POST', 'Patient'],
    ['GET', 'Unknown/x/y/z'],
    ['DELETE', 'Patient?identifier=x'],
  ] as const) {
    t.equal((await open(method, path, method === 'POST' ? { resourceType: 'Patient' } : undefined)).status, 401, `${method} ${path}`);
  }
  t.equal((await app.app.inject({ method: 'GET', url: '/api/v1/patients/a/mood-entries' })).statusCode, 401, '/api needs a token');
});

t.test('the capability statement describes SMART security', async (t) => {
  const app = await testApp(t);
  const { json } = await app.as(undefined)('GET', 'metadata');
  const security = json.rest[0].security;
  t.equal(security.service[0].coding[0].code, 'SMART-on-FHIR');
  t.same(
    security.extension[0].extension.map((e: { url: string; valueUri: string }) => [e.url, e.valueUri]),
    [
      ['authorize', `${TEST_BASE_URL}/auth/authorize`],
      ['token', `${TEST_BASE_URL}/auth/token`],
      ['register', `${TEST_BASE_URL}/auth/register`],
      ['introspect', `${TEST_BASE_URL}/auth/introspect`],
      ['revoke', `${TEST_BASE_URL}/auth/revoke`],
    ],
  );
});

t.test('rotated keys: new tokens use the new key, tokens of the previous key still pass', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'haven-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const app = await testApp(t, { KEYS_DIR: dir });
  const before = await app.token('system/*.rs');
  const source = new FileKeySource(dir);
  // A running server looks at the key file at most once a second.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1100));
  await source.rotate();
  await settle();
  const after = await new KeyRing(source).signingKey();
  const jwks = await app.as(undefined)('GET', '.well-known/jwks.json');
  t.equal(jwks.json.keys.length, 2, 'current and previous key are published');
  t.equal(jwks.json.keys[0].kid, after.kid);
  t.notOk(
    jwks.json.keys.some((k: JWK) => 'd' in k),
    'no private parts',
  );
  t.equal((await app.as(before)('GET', '_history')).status, 200, 'a token of the previous key passes');
  const fresh = await app.token('system/*.rs');
  t.equal(JSON.parse(Buffer.from(fresh.split('.')[0], 'base64url').toString()).kid, after.kid);
  await source.rotate();
  await settle();
  t.equal((await app.as(before)('GET', '_history')).status, 401, 'two rotations later it does not');
  t.equal((await app.as(fresh)('GET', '_history')).status, 200);
});

async function jwksServer(t: Test, keys: () => JWK[]): Promise<{ url: string; fetches: () => number }> {
  let count = 0;
  const server: Server = createServer((_req, res) => {
    count++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: keys() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/jwks`, fetches: () => count };
}

async function ecKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } };
}

t.test('tokens of an outside issuer: accepted with its keys, refused without', async (t) => {
  const k1 = await ecKey('k1');
  const served = await jwksServer(t, () => [k1.jwk]);
  const issuer = 'https://ehr.test/oauth';
  const app = await testApp(t, { AUTH_ISSUER: issuer, AUTH_JWKS_URL: served.url });
  await app.fhir('PUT', 'Patient/p1', { resourceType: 'Patient', id: 'p1' });
  const external = (claims: Record<string, unknown>, key = k1) =>
    new SignJWT({ scope: 'system/Patient.r', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(issuer)
      .setAudience((claims.aud as string) ?? FHIR_BASE)
      .setExpirationTime('5m')
      .sign(key.privateKey);
  t.equal((await app.as(await external({}))('GET', 'Patient/p1')).status, 200);
  t.equal((await app.as(await external({ aud: 'http://else.test/fhir' }))('GET', 'Patient/p1')).status, 401, 'wrong aud');
  t.equal((await app.as(await external({}, await ecKey('k9')))('GET', 'Patient/p1')).status, 401, 'a kid the issuer does not publish');
  t.equal((await app.as(await external({ scope: 'system/Patient.c' }))('GET', 'Patient/p1')).status, 403, 'its scopes apply');
});

t.test('an unknown kid makes the verifier fetch the outside JWKS again', async (t) => {
  const k1 = await ecKey('k1');
  const k2 = await ecKey('k2');
  let keys = [k1.jwk];
  const served = await jwksServer(t, () => keys);
  const issuer = 'https://ehr.test/oauth';
  const dir = mkdtempSync(path.join(tmpdir(), 'haven-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const verifier = new TokenVerifier(
    new KeyRing(new FileKeySource(dir)),
    { issuer: FHIR_BASE, audience: FHIR_BASE, external: { issuer, jwksUrl: served.url } },
    async () => true,
    {
      jwksCooldownMs: 0,
    },
  );
  const token = (key: typeof k1) =>
    new SignJWT({ scope: 'system/*.rs' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(issuer)
      .setAudience(FHIR_BASE)
      .setExpirationTime('5m')
      .sign(key.privateKey);
  t.equal((await verifier.verify(await token(k1))).issuer, 'external');
  t.equal((await verifier.verify(await token(k1))).issuer, 'external');
  t.equal(served.fetches(), 1, 'keys are cached');
  await t.rejects(verifier.verify(await token(k2)), { message: /does not publish/ }, 'k2 is not published yet');
  keys = [k2.jwk, k1.jwk];
  t.equal((await verifier.verify(await token(k2))).issuer, 'external', 'the rotated key is fetched');
  t.ok(served.fetches() >= 2);
});
