// The token endpoint's authorization_code and refresh_token grants (reference/smart-app-launch.md
// 6, 12 "(g)(10) extras"): PKCE, code binding, replay and expiry, client authentication by the
// registered method, the response with context and id_token, refresh rotation, reuse detection,
// narrowing and widening, disabled users, online_access ending with the session.
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { testApp, TEST_BASE_URL, type TestApp } from '../helpers/app.js';
import { disableUser } from '../../src/oauth/users.js';
import { sha256 } from '../../src/oauth/secrets.js';
import { Agent, APP_SCOPE, FHIR_BASE, publicApp, REDIRECT, registerApp, seed, signIn, tokenRequest } from './helpers.js';

async function codeFor(app: TestApp, clientId: string, scope: string, options: { username?: string; nonce?: string; agent?: Agent } = {}) {
  const result = await signIn(
    options.agent ?? new Agent(app.app),
    { client_id: clientId, scope, ...(options.nonce ? { nonce: options.nonce } : {}) },
    { username: options.username ?? 'pat.a' },
  );
  const code = result.redirect.searchParams.get('code');
  if (!code) throw new Error(`no code: ${result.redirect}`);
  return { code, verifier: result.verifier };
}

const exchange = (app: TestApp, clientId: string, code: string, verifier: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  tokenRequest(app.app, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId, ...extra }, headers);

t.test('authorization_code', async (t) => {
  const app = await testApp(t);
  await seed(app);
  const clientId = await publicApp(app);

  t.test('the response: context, id_token, refresh token, no-store', async (t) => {
    const { code, verifier } = await codeFor(app, clientId, 'launch/patient openid fhirUser offline_access patient/*.rs', {
      username: 'dr.lee',
      nonce: 'n-0S6',
    });
    const res = await exchange(app, clientId, code, verifier);
    t.equal(res.status, 200);
    t.equal(res.headers['cache-control'], 'no-store');
    t.equal(res.headers.pragma, 'no-cache');
    t.equal(res.json.token_type, 'Bearer');
    t.equal(res.json.expires_in, 900);
    t.equal(res.json.scope, 'launch/patient openid fhirUser offline_access patient/*.rs');
    t.equal(res.json.patient, 'a', 'the first patient of the picker');
    t.equal(res.json.need_patient_banner, true);
    t.type(res.json.refresh_token, 'string');
    const jwks = (await app.app.inject({ method: 'GET', url: '/fhir/.well-known/jwks.json' })).json();
    const { payload, protectedHeader } = await jwtVerify(res.json.id_token, createLocalJWKSet(jwks), { issuer: FHIR_BASE, audience: clientId });
    t.equal(protectedHeader.alg, 'RS256');
    t.ok(protectedHeader.kid);
    t.equal(payload.nonce, 'n-0S6');
    t.equal(payload.fhirUser, `${FHIR_BASE}/Practitioner/dr`);
    t.type(payload.sub, 'string');
    const me = await app.as(res.json.access_token)('GET', 'Practitioner/dr');
    t.equal(me.status, 200, 'the token reads its own fhirUser');
    t.equal((await app.as(res.json.access_token)('GET', 'Practitioner/stranger')).status >= 403, true, 'but no other Practitioner');
    const oidc = (await app.app.inject({ method: 'GET', url: '/fhir/.well-known/openid-configuration' })).json();
    t.equal(oidc.issuer, payload.iss, 'id_token iss = OIDC issuer');
  });

  t.test('PKCE: missing, blank, wrong, the challenge itself', async (t) => {
    for (const [verifier, error] of [
      [undefined, 'invalid_request'],
      ['', 'invalid_request'],
      ['x'.repeat(43), 'invalid_grant'],
      ['challenge', 'invalid_grant'],
    ] as const) {
      const got = await codeFor(app, clientId, 'patient/*.rs');
      const form: Record<string, string> = { grant_type: 'authorization_code', code: got.code, redirect_uri: REDIRECT, client_id: clientId };
      if (verifier !== undefined) form.code_verifier = verifier === 'challenge' ? sha256(got.verifier).toString('base64url') : verifier;
      const res = await tokenRequest(app.app, form);
      t.equal(res.status, 400, String(verifier));
      t.equal(res.json.error, error, String(verifier));
      t.equal(res.headers['cache-control'], 'no-store', 'errors are not cached either');
    }
  });

  t.test('a code works once, with its redirect URI and client, for 60 s', async (t) => {
    const bad = await exchange(app, clientId, 'BAD_CODE', 'x'.repeat(43));
    t.equal(bad.json.error, 'invalid_grant');

    const wrongRedirect = await codeFor(app, clientId, 'patient/*.rs');
    t.equal(
      (await exchange(app, clientId, wrongRedirect.code, wrongRedirect.verifier, { redirect_uri: 'http://localhost:9999/other' })).json.error,
      'invalid_grant',
    );

    const other = await publicApp(app, { client_name: 'Other app' });
    const wrongClient = await codeFor(app, clientId, 'patient/*.rs');
    const foreign = await exchange(app, other, wrongClient.code, wrongClient.verifier);
    t.equal(foreign.json.error, 'invalid_grant', 'another client');
    t.equal((await exchange(app, clientId, wrongClient.code, wrongClient.verifier)).json.error, 'invalid_grant', 'and then the code is gone');

    const unknownClient = await exchange(app, 'nobody', wrongRedirect.code, wrongRedirect.verifier);
    t.equal(unknownClient.status, 401);
    t.equal(unknownClient.json.error, 'invalid_client');

    const expired = await codeFor(app, clientId, 'patient/*.rs');
    await app.db.query("UPDATE oauth_code SET expires_at = now() - interval '1 second' WHERE hash = $1", [sha256(expired.code)]);
    t.equal((await exchange(app, clientId, expired.code, expired.verifier)).json.error, 'invalid_grant', 'expired');

    const replayed = await codeFor(app, clientId, 'patient/*.rs offline_access');
    const first = await exchange(app, clientId, replayed.code, replayed.verifier);
    t.equal(first.status, 200);
    const api = app.as(first.json.access_token);
    t.equal((await api('GET', 'Observation')).status, 200);
    const second = await exchange(app, clientId, replayed.code, replayed.verifier);
    t.equal(second.json.error, 'invalid_grant', 'replayed');
    t.equal((await api('GET', 'Observation')).status, 401, 'the replay revoked the access token issued from the code');
    const refresh = await tokenRequest(app.app, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token, client_id: clientId });
    t.equal(refresh.json.error, 'invalid_grant', 'and its refresh token');
  });

  t.test('only form posts', async (t) => {
    const res = await app.app.inject({
      method: 'POST',
      url: '/auth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"grant_type":"authorization_code"}',
    });
    t.equal(res.statusCode, 400);
    t.equal(res.json().error, 'invalid_request');
  });

  t.test('confidential clients: client_secret_basic and private_key_jwt', async (t) => {
    const reg = await registerApp(app, {
      client_name: 'Clinic app',
      scope: APP_SCOPE,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    t.equal(reg.status, 201);
    t.match(reg.json.client_secret, /^[A-Za-z0-9_-]{43}$/);
    const id = reg.json.client_id;
    const basic = `Basic ${Buffer.from(`${id}:${reg.json.client_secret}`).toString('base64')}`;
    const got = await codeFor(app, id, 'patient/*.rs');
    const onlyId = await exchange(app, id, got.code, got.verifier);
    t.equal(onlyId.status, 401, 'a confidential client sending only client_id');
    t.equal(onlyId.json.error, 'invalid_client');
    const got2 = await codeFor(app, id, 'patient/*.rs');
    const wrong = await tokenRequest(
      app.app,
      { grant_type: 'authorization_code', code: got2.code, redirect_uri: REDIRECT, code_verifier: got2.verifier },
      { authorization: `Basic ${Buffer.from(`${id}:nope`).toString('base64')}` },
    );
    t.equal(wrong.status, 401);
    t.match(wrong.headers['www-authenticate'], /^Basic/);
    const got3 = await codeFor(app, id, 'patient/*.rs');
    const ok = await tokenRequest(
      app.app,
      { grant_type: 'authorization_code', code: got3.code, redirect_uri: REDIRECT, code_verifier: got3.verifier },
      { authorization: basic },
    );
    t.equal(ok.status, 200);
    t.equal(ok.json.patient, 'a');

    const { privateKey, publicKey } = await generateKeyPair('RS384');
    const kid = randomUUID();
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS384' };
    const jwt = await registerApp(app, {
      client_name: 'Key app',
      scope: APP_SCOPE,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] },
    });
    t.equal(jwt.status, 201);
    const keyId = jwt.json.client_id;
    const got4 = await codeFor(app, keyId, 'patient/*.rs');
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS384', kid, typ: 'JWT' })
      .setIssuer(keyId)
      .setSubject(keyId)
      .setAudience(`${TEST_BASE_URL}/auth/token`)
      .setExpirationTime('4m')
      .sign(privateKey);
    const signed = await tokenRequest(app.app, {
      grant_type: 'authorization_code',
      code: got4.code,
      redirect_uri: REDIRECT,
      code_verifier: got4.verifier,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    t.equal(signed.status, 200);
  });

  t.test('registration of apps', async (t) => {
    t.equal(
      (await registerApp(app, { client_name: 'x', scope: 'patient/*.rs', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] })).status,
      400,
      'redirect_uris required',
    );
    t.equal(
      (await registerApp(app, { client_name: 'x', scope: 'patient/*.rs', token_endpoint_auth_method: 'none', redirect_uris: ['http://example.com/cb'] }))
        .status,
      400,
      'http only on localhost',
    );
    t.equal(
      (await registerApp(app, { client_name: 'x', scope: 'patient/*.rs', token_endpoint_auth_method: 'none', redirect_uris: ['https://example.com/cb#x'] }))
        .status,
      400,
      'no fragment',
    );
    t.equal(
      (await registerApp(app, { client_name: 'x', scope: 'system/*.rs', token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] })).status,
      400,
      'no public backend service',
    );
    const ok = await registerApp(app, {
      client_name: 'x',
      scope: 'patient/*.rs',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['https://example.com/cb'],
    });
    t.equal(ok.status, 201);
    t.same(ok.json.grant_types, ['authorization_code', 'refresh_token']);
    t.same(ok.json.redirect_uris, ['https://example.com/cb']);
    t.notOk(ok.json.client_secret);
  });
});

t.test('refresh_token', async (t) => {
  const app = await testApp(t);
  await seed(app);
  const clientId = await publicApp(app);
  const refresh = (token: string, extra: Record<string, string> = {}) =>
    tokenRequest(app.app, { grant_type: 'refresh_token', refresh_token: token, client_id: clientId, ...extra });

  t.test('rotation: without scope, with the same scope, narrower; wider is invalid_scope', async (t) => {
    const got = await codeFor(app, clientId, 'launch/patient openid fhirUser offline_access patient/*.rs');
    const first = await exchange(app, clientId, got.code, got.verifier);
    const r1 = await refresh(first.json.refresh_token);
    t.equal(r1.status, 200);
    t.equal(r1.headers['cache-control'], 'no-store');
    t.equal(r1.json.scope, first.json.scope);
    t.equal(r1.json.patient, 'a', 'same context');
    t.type(r1.json.expires_in, 'number');
    t.not(r1.json.refresh_token, first.json.refresh_token, 'a new refresh token');
    const r2 = await refresh(r1.json.refresh_token, { scope: r1.json.scope });
    t.equal(r2.status, 200, 'the same scope passes');
    const wider = await refresh(r2.json.refresh_token, { scope: `${r2.json.scope} user/*.rs` });
    t.equal(wider.status, 400);
    t.equal(wider.json.error, 'invalid_scope', 'widening on refresh');
    const r3 = await refresh(r2.json.refresh_token, { scope: 'patient/*.rs offline_access' });
    t.equal(r3.status, 200, 'the refused widening did not use the token up');
    t.equal(r3.json.scope, 'patient/*.rs offline_access');
    t.notOk(r3.json.id_token, 'no id_token without openid');
    const r4 = await refresh(r3.json.refresh_token, { scope: 'patient/*.rs offline_access openid' });
    t.equal(r4.json.error, 'invalid_scope', 'what was narrowed away stays away');
    t.equal((await refresh('random-refresh-token')).json.error, 'invalid_grant');
  });

  t.test('a retired refresh token seen again revokes the whole grant', async (t) => {
    const got = await codeFor(app, clientId, 'offline_access patient/*.rs');
    const first = await exchange(app, clientId, got.code, got.verifier);
    const r1 = await refresh(first.json.refresh_token);
    t.equal(r1.status, 200);
    const reuse = await refresh(first.json.refresh_token);
    t.equal(reuse.json.error, 'invalid_grant', 'the old token is refused');
    t.equal((await refresh(r1.json.refresh_token)).json.error, 'invalid_grant', 'and the new one is revoked with the grant');
    t.equal((await app.as(r1.json.access_token)('GET', 'Observation')).status, 401, 'and its access token');
  });

  t.test('another client cannot use the refresh token', async (t) => {
    const got = await codeFor(app, clientId, 'offline_access patient/*.rs');
    const first = await exchange(app, clientId, got.code, got.verifier);
    const other = await publicApp(app, { client_name: 'Thief' });
    const stolen = await tokenRequest(app.app, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token, client_id: other });
    t.equal(stolen.json.error, 'invalid_grant');
  });

  t.test('a disabled user: tokens and refresh tokens stop', async (t) => {
    const got = await codeFor(app, clientId, 'offline_access patient/*.rs', { username: 'dr.lee' });
    const first = await exchange(app, clientId, got.code, got.verifier);
    t.equal((await app.as(first.json.access_token)('GET', 'Observation')).status, 200);
    await disableUser(app.db, 'dr.lee');
    t.equal((await app.as(first.json.access_token)('GET', 'Observation')).status, 401);
    t.equal((await refresh(first.json.refresh_token)).json.error, 'invalid_grant');
  });

  t.test('online_access ends with the sign-in session', async (t) => {
    const agent = new Agent(app.app);
    const got = await codeFor(app, clientId, 'online_access patient/*.rs', { agent });
    const first = await exchange(app, clientId, got.code, got.verifier);
    t.type(first.json.refresh_token, 'string');
    const r1 = await refresh(first.json.refresh_token);
    t.equal(r1.status, 200, 'works while signed in');
    const out = await agent.post('/auth/logout', {});
    t.equal(out.status, 200);
    t.equal((await refresh(r1.json.refresh_token)).json.error, 'invalid_grant', 'not after signing out');
  });

  t.test('offline_access with online_access is offline only', async (t) => {
    const got = await codeFor(app, clientId, 'online_access offline_access patient/*.rs');
    const first = await exchange(app, clientId, got.code, got.verifier);
    t.equal(first.json.scope, 'offline_access patient/*.rs');
  });

  t.test('issue, refresh and failures are in the audit trail with client and user', async (t) => {
    const { rows } = await app.db.query<{ interaction: string; outcome: number; client_id: string | null; subject: string | null }>(
      "SELECT interaction, outcome, client_id, subject FROM audit_log WHERE interaction LIKE 'oauth-%'",
    );
    t.ok(rows.some((r) => r.interaction === 'oauth-token' && r.outcome === 0 && r.client_id === clientId && r.subject === 'pat.a'));
    t.ok(rows.some((r) => r.interaction === 'oauth-refresh' && r.outcome === 0 && r.client_id === clientId));
    t.ok(rows.some((r) => r.interaction === 'oauth-refresh' && r.outcome === 4));
    t.ok(rows.some((r) => r.interaction === 'oauth-authorize' && r.outcome === 0));
  });
});
