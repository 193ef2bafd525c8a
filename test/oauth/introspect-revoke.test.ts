// Introspection (RFC 7662) and revocation (RFC 7009) per the contract, and the discovery documents
// listing exactly what works (reference/smart-app-launch.md 8, 10).
import t from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';
import { Agent, APP_SCOPE, FHIR_BASE, publicApp, REDIRECT, registerApp, seed, signIn, tokenRequest } from './helpers.js';

async function tokensFor(
  app: TestApp,
  clientId: string,
  scope = 'launch/patient openid fhirUser offline_access patient/*.rs',
  headers: Record<string, string> = {},
  username = 'pat.a',
) {
  const result = await signIn(new Agent(app.app), { client_id: clientId, scope }, { username });
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    code: result.redirect.searchParams.get('code')!,
    redirect_uri: REDIRECT,
    code_verifier: result.verifier,
  };
  if (!headers.authorization) form.client_id = clientId;
  const res = await tokenRequest(app.app, form, headers);
  if (res.status !== 200) throw new Error(JSON.stringify(res.json));
  return res.json;
}

const post = async (app: TestApp, url: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
  const res = await app.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body, json: res.body ? res.json() : undefined };
};

t.test('introspection and revocation', async (t) => {
  const app = await testApp(t);
  await seed(app);
  const clientId = await publicApp(app);
  const secretApp = await registerApp(app, {
    client_name: 'Clinic',
    scope: APP_SCOPE,
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const basic = `Basic ${Buffer.from(`${secretApp.json.client_id}:${secretApp.json.client_secret}`).toString('base64')}`;
  const admin = `Bearer ${await app.token('admin')}`;

  t.test('an active token as the token response said; unknown ones inactive', async (t) => {
    const tokens = await tokensFor(app, secretApp.json.client_id, undefined, { authorization: basic });
    const res = await post(app, '/auth/introspect', { token: tokens.access_token }, { authorization: basic });
    t.equal(res.status, 200);
    t.equal(res.headers['cache-control'], 'no-store');
    t.equal(res.json.active, true);
    t.equal(res.json.scope, tokens.scope, 'the same scope set');
    t.equal(res.json.client_id, secretApp.json.client_id);
    t.equal(res.json.patient, 'a');
    t.equal(res.json.fhirUser, `${FHIR_BASE}/Patient/a`);
    t.equal(res.json.iss, FHIR_BASE);
    t.type(res.json.exp, 'number');
    t.type(res.json.iat, 'number');
    const idSub = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString()).sub;
    t.equal(res.json.sub, idSub, 'sub = the id_token sub');
    t.same((await post(app, '/auth/introspect', { token: 'invalid_token_value' }, { authorization: basic })).json, { active: false });
    const refresh = await post(app, '/auth/introspect', { token: tokens.refresh_token }, { authorization: admin });
    t.equal(refresh.json.active, true, 'an admin token introspects a refresh token');
    t.equal(refresh.json.token_type, 'refresh_token');
  });

  t.test("a client sees another client's token as inactive; no credentials is 401", async (t) => {
    const theirs = await tokensFor(app, clientId);
    t.same((await post(app, '/auth/introspect', { token: theirs.access_token }, { authorization: basic })).json, { active: false });
    t.equal((await post(app, '/auth/introspect', { token: theirs.access_token }, { authorization: admin })).json.active, true, 'admin sees all');
    t.equal((await post(app, '/auth/introspect', { token: theirs.access_token })).status, 401);
    const notAdmin = `Bearer ${await app.token('system/*.rs')}`;
    t.equal((await post(app, '/auth/introspect', { token: theirs.access_token }, { authorization: notAdmin })).status, 403);
  });

  t.test('revoking the refresh token ends it and the access tokens issued from it', async (t) => {
    const tokens = await tokensFor(app, clientId);
    const api = app.as(tokens.access_token);
    t.equal((await api('GET', 'Observation')).status, 200);
    const other = await publicApp(app, { client_name: 'Someone else' });
    const refused = await post(app, '/auth/revoke', { token: tokens.refresh_token, client_id: other });
    t.equal(refused.status, 400, "another client's token is refused");
    t.equal((await api('GET', 'Observation')).status, 200, 'and not revoked');
    const res = await post(app, '/auth/revoke', { token: tokens.refresh_token, client_id: clientId, token_type_hint: 'refresh_token' });
    t.equal(res.status, 200);
    t.equal(res.body, '');
    t.equal((await api('GET', 'Observation')).status, 401, 'the access token is revoked too');
    const again = await tokenRequest(app.app, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
    t.equal(again.json.error, 'invalid_grant', 'refresh fails after revocation');
    t.same((await post(app, '/auth/introspect', { token: tokens.access_token }, { authorization: admin })).json, { active: false });
    t.equal((await post(app, '/auth/revoke', { token: 'unknown', client_id: clientId })).status, 200, 'unknown tokens are no error');
    t.equal((await post(app, '/auth/revoke', { token: 'x', client_id: clientId, token_type_hint: 'id_token' })).json.error, 'unsupported_token_type');
  });

  t.test('revoking one access token ends only that token', async (t) => {
    const tokens = await tokensFor(app, clientId);
    t.equal((await post(app, '/auth/revoke', { token: tokens.access_token, client_id: clientId })).status, 200);
    t.equal((await app.as(tokens.access_token)('GET', 'Observation')).status, 401);
    const refreshed = await tokenRequest(app.app, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
    t.equal(refreshed.status, 200, 'the refresh token still works');
    t.equal((await app.as(refreshed.json.access_token)('GET', 'Observation')).status, 200);
    const { rows } = await app.db.query("SELECT 1 FROM audit_log WHERE interaction = 'oauth-revoke' AND client_id = $1", [clientId]);
    t.ok(rows.length >= 2, 'revocations are audited');
  });
});

t.test('discovery lists what works', async (t) => {
  const app = await testApp(t);
  const smart = await app.app.inject({ method: 'GET', url: '/fhir/.well-known/smart-configuration' });
  const config = smart.json();
  t.equal(config.authorization_endpoint, 'http://haven.test/auth/authorize');
  t.equal(config.token_endpoint, 'http://haven.test/auth/token');
  t.equal(config.introspection_endpoint, 'http://haven.test/auth/introspect');
  t.equal(config.revocation_endpoint, 'http://haven.test/auth/revoke');
  t.same(config.response_types_supported, ['code']);
  t.same(config.code_challenge_methods_supported, ['S256']);
  for (const grant of ['authorization_code', 'refresh_token', 'client_credentials']) t.ok(config.grant_types_supported.includes(grant), grant);
  for (const method of ['client_secret_basic', 'private_key_jwt']) t.ok(config.token_endpoint_auth_methods_supported.includes(method), method);
  for (const capability of [
    'launch-ehr',
    'launch-standalone',
    'client-public',
    'client-confidential-symmetric',
    'context-ehr-patient',
    'context-standalone-patient',
    'sso-openid-connect',
    'permission-offline',
    'permission-online',
    'permission-patient',
    'permission-user',
  ]) {
    t.ok(config.capabilities.includes(capability), capability);
  }
  t.notOk(config.capabilities.includes('context-standalone-encounter'), 'no standalone encounter picker, so not advertised');
  const oidc = await app.app.inject({ method: 'GET', url: '/fhir/.well-known/openid-configuration' });
  t.equal(oidc.statusCode, 200);
  t.match(oidc.headers['content-type'], /^application\/json/);
  const o = oidc.json();
  t.equal(o.issuer, 'http://haven.test/fhir');
  for (const field of [
    'authorization_endpoint',
    'token_endpoint',
    'jwks_uri',
    'response_types_supported',
    'subject_types_supported',
    'id_token_signing_alg_values_supported',
  ])
    t.ok(o[field], field);
  t.ok(o.id_token_signing_alg_values_supported.includes('RS256'));
  const jwks = (await app.app.inject({ method: 'GET', url: '/fhir/.well-known/jwks.json' })).json();
  t.ok(
    jwks.keys.some((k: { kty: string; kid?: string }) => k.kty === 'RSA' && k.kid),
    'an RSA key with kid',
  );
});
