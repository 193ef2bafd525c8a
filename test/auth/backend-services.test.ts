// SMART Backend Services: client registration (admin API), client_credentials with a
// private_key_jwt assertion (RS384 and ES384), replayed jti refused, granted scope = requested ∩
// registered, OAuth error bodies, revocation effective at once, discovery, CORS and rate limit.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import t from 'tap';
import { testApp, TEST_BASE_URL, type TestApp } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

const TOKEN_URL = `${TEST_BASE_URL}/auth/token`;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface ClientKey {
  alg: 'RS384' | 'ES384';
  kid: string;
  privateKey: CryptoKey;
  jwk: object;
}

async function clientKey(alg: 'RS384' | 'ES384'): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const kid = randomUUID();
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

function assertion(clientId: string, key: ClientKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID(), exp: now + 240, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .setIssuer(clientId)
    .setSubject((claims.sub as string) ?? clientId)
    .setAudience((claims.aud as string) ?? TOKEN_URL)
    .sign(key.privateKey);
}

async function requestToken(app: TestApp, form: Record<string, string>) {
  const res = await app.app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
  return { status: res.statusCode, headers: res.headers, json: res.json() };
}

const tokenForm = (clientAssertion: string, scope: string) => ({
  grant_type: 'client_credentials',
  scope,
  client_assertion_type: ASSERTION_TYPE,
  client_assertion: clientAssertion,
});

async function register(app: TestApp, body: object, token?: string) {
  const res = await app.app.inject({
    method: 'POST',
    url: '/auth/register',
    headers: { authorization: `Bearer ${token ?? (await app.token('admin'))}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, json: res.json(), headers: res.headers };
}

t.test('backend services', async (t) => {
  const app = await testApp(t);
  await app.fhir('PUT', 'Patient/p1', { resourceType: 'Patient', id: 'p1' });
  const rsa = await clientKey('RS384');
  const ec = await clientKey('ES384');
  const registered = await register(app, { client_name: 'EHR feed', scope: 'system/Patient.rs system/Observation.cruds', jwks: { keys: [rsa.jwk, ec.jwk] } });
  t.equal(registered.status, 201);
  const clientId: string = registered.json.client_id;
  t.match(registered.json, { client_name: 'EHR feed', scope: 'system/Patient.rs system/Observation.cruds', token_endpoint_auth_method: 'private_key_jwt' });

  t.test('registration needs an admin token and valid metadata', async (t) => {
    t.equal((await register(app, { client_name: 'x', scope: 'system/*.rs', jwks: { keys: [rsa.jwk] } }, await app.token('system/*.cruds'))).status, 403);
    const anonymous = await app.app.inject({ method: 'POST', url: '/auth/register', headers: { 'content-type': 'application/json' }, payload: '{}' });
    t.equal(anonymous.statusCode, 401);
    t.match(anonymous.headers['www-authenticate'], /^Bearer/);
    t.equal(anonymous.json().error, 'invalid_token');
    for (const [why, body] of Object.entries({
      'no name': { scope: 'system/*.rs', jwks: { keys: [rsa.jwk] } },
      'bad scope': { client_name: 'x', scope: 'system/*.sr', jwks: { keys: [rsa.jwk] } },
      'no keys': { client_name: 'x', scope: 'system/*.rs' },
      'both key sources': { client_name: 'x', scope: 'system/*.rs', jwks: { keys: [rsa.jwk] }, jwks_uri: 'https://x.test/jwks' },
      'private key': { client_name: 'x', scope: 'system/*.rs', jwks: { keys: [{ ...rsa.jwk, d: 'secret' }] } },
      'no kid': { client_name: 'x', scope: 'system/*.rs', jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: 'a', y: 'b' }] } },
      'plain http jwks_uri': { client_name: 'x', scope: 'system/*.rs', jwks_uri: 'http://x.test/jwks' },
    })) {
      const res = await register(app, body);
      t.equal(res.status, 400, why);
      t.equal(res.json.error, 'invalid_client_metadata', why);
    }
  });

  t.test('RS384 and ES384 assertions get a token; scope is requested ∩ registered', async (t) => {
    for (const key of [rsa, ec]) {
      const res = await requestToken(app, tokenForm(await assertion(clientId, key), 'system/Patient.cruds system/Observation.rs system/Practitioner.rs'));
      t.equal(res.status, 200, key.alg);
      t.equal(res.json.token_type, 'bearer');
      t.equal(res.json.expires_in, 300);
      t.equal(res.json.scope, 'system/Patient.rs system/Observation.rs', 'never wider than registered');
      t.equal(res.headers['cache-control'], 'no-store');
      t.equal(res.headers.pragma, 'no-cache');
      const fhir = app.as(res.json.access_token);
      t.equal((await fhir('GET', 'Patient/p1')).status, 200);
      t.equal((await fhir('PUT', 'Patient/p1', { resourceType: 'Patient', id: 'p1' })).status, 403, 'Patient.u was not granted');
    }
    const wildcard = await requestToken(app, tokenForm(await assertion(clientId, rsa), 'system/*.read'));
    t.equal(wildcard.json.scope, 'system/Patient.read system/Observation.read', 'v1 asked, v1 granted, narrowed to the registration');
    const outside = await requestToken(app, tokenForm(await assertion(clientId, rsa), 'system/Practitioner.rs'));
    t.equal(outside.status, 400);
    t.equal(outside.json.error, 'invalid_scope');
    const malformed = await requestToken(app, tokenForm(await assertion(clientId, rsa), 'system/Patient.sr'));
    t.equal(malformed.json.error, 'invalid_scope');
    const patient = await requestToken(app, tokenForm(await assertion(clientId, rsa), 'patient/*.rs'));
    t.equal(patient.json.error, 'invalid_scope', 'backend services have no patient context');
  });

  t.test('a replayed jti is refused', async (t) => {
    const once = await assertion(clientId, ec);
    t.equal((await requestToken(app, tokenForm(once, 'system/Patient.rs'))).status, 200);
    const again = await requestToken(app, tokenForm(once, 'system/Patient.rs'));
    t.equal(again.status, 401);
    t.equal(again.json.error, 'invalid_client');
    t.match(again.json.error_description, /already used/);
    const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_assertion_jti WHERE issuer = $1', [clientId]);
    t.ok(rows[0].n >= 1, 'jti kept in the database, shared by every instance');
  });

  t.test('every assertion fault is invalid_client', async (t) => {
    const now = Math.floor(Date.now() / 1000);
    const other = await clientKey('RS384');
    const faults: Record<string, string> = {
      'wrong aud': await assertion(clientId, rsa, { aud: `${TEST_BASE_URL}/fhir` }),
      expired: await assertion(clientId, rsa, { exp: now - 60 }),
      'exp more than 5 minutes ahead': await assertion(clientId, rsa, { exp: now + 3600 }),
      'iss is not sub': await assertion(clientId, rsa, { sub: 'someone-else' }),
      'unknown client': await assertion('no-such-client', rsa),
      'unregistered key': await assertion(clientId, other),
      'a kid of the client, signed with another key': await assertion(clientId, { ...other, kid: rsa.kid }),
      'RS256 instead of RS384': await new SignJWT({ jti: randomUUID(), exp: now + 60 })
        .setProtectedHeader({ alg: 'RS256', kid: rsa.kid })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(TOKEN_URL)
        .sign((await generateKeyPair('RS256')).privateKey),
      'jku not registered': await assertion(clientId, rsa, {}, { jku: 'https://evil.test/jwks' }),
      'no jti': await new SignJWT({ exp: now + 60 })
        .setProtectedHeader({ alg: 'RS384', kid: rsa.kid })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(TOKEN_URL)
        .sign(rsa.privateKey),
    };
    for (const [fault, jwt] of Object.entries(faults)) {
      const res = await requestToken(app, tokenForm(jwt, 'system/Patient.rs'));
      t.equal(res.status, 401, fault);
      t.equal(res.json.error, 'invalid_client', fault);
      t.type(res.json.error_description, 'string');
    }
  });

  t.test('malformed token requests', async (t) => {
    const good = await assertion(clientId, rsa);
    t.equal((await requestToken(app, { ...tokenForm(good, 'system/Patient.rs'), grant_type: 'password' })).json.error, 'unsupported_grant_type');
    t.equal((await requestToken(app, { ...tokenForm(good, 'system/Patient.rs'), client_assertion_type: 'x' })).json.error, 'invalid_request');
    const { client_assertion: _dropped, ...noAssertion } = tokenForm(good, 'system/Patient.rs');
    t.equal((await requestToken(app, noAssertion)).json.error, 'invalid_request');
    const json = await app.app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/json' }, payload: '{}' });
    t.equal(json.statusCode, 400);
    t.equal(json.json().error, 'invalid_request');
    const twice = await app.app.inject({
      method: 'POST',
      url: '/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `${new URLSearchParams(tokenForm(good, 'system/Patient.rs'))}&scope=system/Patient.r`,
    });
    t.equal(twice.json().error, 'invalid_request', 'a repeated parameter');
  });

  t.test('the admin API lists clients and revokes them; a revoked client’s tokens stop at once', async (t) => {
    const admin = { authorization: `Bearer ${await app.token('admin')}` };
    const list = await app.app.inject({ method: 'GET', url: '/auth/clients', headers: admin });
    t.equal(list.statusCode, 200);
    t.ok(list.json().clients.some((c: { client_id: string }) => c.client_id === clientId));
    t.equal(
      (await app.app.inject({ method: 'GET', url: '/auth/clients', headers: { authorization: `Bearer ${await app.token('system/*.rs')}` } })).statusCode,
      403,
    );
    const issued = await requestToken(app, tokenForm(await assertion(clientId, rsa), 'system/Patient.rs'));
    const fhir = app.as(issued.json.access_token);
    t.equal((await fhir('GET', 'Patient/p1')).status, 200);
    t.equal((await app.app.inject({ method: 'DELETE', url: `/auth/clients/${clientId}`, headers: admin })).statusCode, 204);
    const after = await fhir('GET', 'Patient/p1');
    t.equal(after.status, 401, 'the issued token stops working at once');
    t.equal(errorCode(after.json), 'token-invalid');
    const refused = await requestToken(app, tokenForm(await assertion(clientId, rsa), 'system/Patient.rs'));
    t.equal(refused.json.error, 'invalid_client');
    const shown = await app.app.inject({ method: 'GET', url: `/auth/clients/${clientId}`, headers: admin });
    t.ok(shown.json().revoked_at);
    t.equal((await app.app.inject({ method: 'DELETE', url: '/auth/clients/nobody', headers: admin })).statusCode, 404);
  });

  t.test('a client registered by jwks_uri', async (t) => {
    const key = await clientKey('ES384');
    const server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [key.jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const jwksUri = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks`;
    const client = await register(app, { client_name: 'device hub', scope: 'system/Observation.c', jwks_uri: jwksUri });
    t.equal(client.status, 201);
    t.equal(client.json.jwks_uri, jwksUri);
    const res = await requestToken(app, tokenForm(await assertion(client.json.client_id, key, {}, { jku: jwksUri }), 'system/Observation.c'));
    t.equal(res.status, 200);
    t.equal(res.json.scope, 'system/Observation.c');
  });
});

t.test('discovery: smart-configuration and JWKS, open to any origin', async (t) => {
  const app = await testApp(t, { CORS_ORIGINS: 'https://app.example' });
  const res = await app.app.inject({
    method: 'GET',
    url: '/fhir/.well-known/smart-configuration',
    headers: { accept: 'text/html', origin: 'https://anyone.example' },
  });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.equal(res.headers['access-control-allow-origin'], '*');
  const config = res.json();
  t.match(config, {
    issuer: `${TEST_BASE_URL}/fhir`,
    jwks_uri: `${TEST_BASE_URL}/fhir/.well-known/jwks.json`,
    token_endpoint: TOKEN_URL,
    code_challenge_methods_supported: ['S256'],
  });
  t.ok(config.grant_types_supported.includes('client_credentials'));
  t.ok(config.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
  t.same([...config.token_endpoint_auth_signing_alg_values_supported].sort(), ['ES384', 'RS384']);
  t.ok(config.capabilities.includes('permission-v2'));
  t.type(config.scopes_supported, Array);
  const jwks = await app.app.inject({ method: 'GET', url: '/fhir/.well-known/jwks.json' });
  t.equal(jwks.json().keys[0].kty, 'RSA');

  const metadata = await app.app.inject({ method: 'GET', url: '/fhir/metadata', headers: { origin: 'https://anyone.example' } });
  t.equal(metadata.headers['access-control-allow-origin'], '*');
  const allowed = await app.app.inject({
    method: 'OPTIONS',
    url: '/fhir/Patient/p1',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  });
  t.equal(allowed.statusCode, 204, 'a preflight needs no token');
  t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example');
  t.match(String(allowed.headers['access-control-allow-headers']), /Authorization/);
  const refused = await app.app.inject({ method: 'GET', url: '/fhir/Patient/p1', headers: { origin: 'https://app.example' } });
  t.equal(refused.statusCode, 401);
  t.equal(refused.headers['access-control-allow-origin'], 'https://app.example', 'the app can read why it was refused');
  t.match(String(refused.headers['access-control-expose-headers']), /WWW-Authenticate/);
  const other = await app.app.inject({ method: 'GET', url: '/fhir/Patient/p1', headers: { origin: 'https://evil.example' } });
  t.notOk(other.headers['access-control-allow-origin'], 'other origins get no CORS grant for the API');
});

t.test('the token endpoint is rate limited per client address', async (t) => {
  const app = await testApp(t, { TOKEN_RATE_LIMIT: '3' });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await requestToken(app, { grant_type: 'client_credentials' })).status);
  t.same(statuses, [400, 400, 400, 429]);
  const limited = await requestToken(app, { grant_type: 'client_credentials' });
  t.equal(limited.json.error, 'slow_down');
  t.ok(limited.headers['retry-after']);
});

t.test('a client assertion whose iss holds NUL names no client: 401 invalid_client, not a database error', async (t) => {
  const app = await testApp(t);
  const key = await clientKey('ES384');
  const forged = await assertion('bad\u0000client', key);
  const res = await requestToken(app, tokenForm(forged, 'system/Patient.rs'));
  t.equal(res.status, 401);
  t.equal(res.json.error, 'invalid_client');
});
