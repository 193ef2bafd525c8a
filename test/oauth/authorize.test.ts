// The authorization endpoint and its pages (reference/smart-app-launch.md 3, 4, 11): the order of
// the checks, what redirects and what does not, state echoed, PKCE S256 only, aud, the pages'
// security headers, CSRF and browser binding, the patient picker through the care team, consent
// narrowing the grant, identity limits on scopes and EHR launch (failures: sign-in-failures.test.ts).
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { auditRows } from '../helpers/audit.js';
import { Agent, authorizeUrl, fill, parseForms, pkce, publicApp, REDIRECT, registerApp, seed, signIn, tokenRequest, FHIR_BASE, PASSWORD } from './helpers.js';

t.test('the authorization endpoint', async (t) => {
  const app = await testApp(t);
  await seed(app);
  const clientId = await publicApp(app);
  const { challenge } = pkce();

  t.test('an unknown client or redirect URI answers 400 and redirects nowhere', async (t) => {
    const agent = new Agent(app.app);
    for (const url of [
      authorizeUrl({ client_id: 'nobody', scope: 'patient/*.rs', code_challenge: challenge }),
      authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge, redirect_uri: 'http://localhost:9999/callback/' }),
      authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge, redirect_uri: 'http://localhost:9999/evil' }),
      authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge, redirect_uri: undefined as unknown as string }).replace(
        /&redirect_uri=[^&]*/,
        '',
      ),
    ]) {
      const res = await agent.get(url);
      t.equal(res.status, 400, url);
      t.notOk(res.location, 'no redirect');
      t.match(res.headers['content-type'], /text\/html/);
      t.equal(res.headers['x-frame-options'], 'DENY');
    }
  });

  t.test('later errors redirect to the app with error and the state', async (t) => {
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: '' }, 'invalid_scope'],
      [{ scope: 'patient/Observation.xyz' }, 'invalid_scope'],
      [{ aud: 'https://elsewhere.example/fhir' }, 'invalid_request'],
      [{ aud: `${FHIR_BASE}/R4` }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: undefined }, 'invalid_request'],
      [{ code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge: 'short' }, 'invalid_request'],
      [{ launch: 'not-a-launch-value' }, 'invalid_request'],
      [{ request: 'eyJ...' }, 'request_not_supported'],
      [{ prompt: 'none' }, 'login_required'],
    ];
    for (const [change, error] of cases) {
      const agent = new Agent(app.app);
      const params: Record<string, string | undefined> = {
        client_id: clientId,
        scope: 'launch/patient patient/*.rs',
        code_challenge: challenge,
        state: 'st-123',
        ...change,
      };
      const res = await agent.get(authorizeUrl(params as never));
      t.equal(res.status, 302, JSON.stringify(change));
      const to = new URL(res.location!);
      t.equal(`${to.origin}${to.pathname}`, REDIRECT);
      t.equal(to.searchParams.get('error'), error, JSON.stringify(change));
      t.equal(to.searchParams.get('state'), 'st-123', 'state echoed');
      t.notOk(to.searchParams.get('code'), 'never a code');
    }
    const agent = new Agent(app.app);
    const noState = await agent.get(authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge }).replace(/&state=[^&]*/, ''));
    t.equal(new URL(noState.location!).searchParams.get('error'), 'invalid_request', 'state is required');
    const twice = await agent.get(`${authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge, state: 's' })}&scope=openid`);
    t.equal(new URL(twice.location!).searchParams.get('error'), 'invalid_request', 'a repeated parameter');
    const slash = await agent.get(authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge, aud: `${FHIR_BASE}/` }));
    t.equal(slash.status, 200, 'one trailing slash on aud is tolerated');
  });

  t.test('POST works as GET, and the login page is safe to show', async (t) => {
    const agent = new Agent(app.app);
    const query = new URL(authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge }), 'http://x').searchParams;
    const res = await agent.post('/auth/authorize', query);
    t.equal(res.status, 200);
    t.match(res.headers['content-security-policy'], /frame-ancestors 'none'/);
    t.notMatch(res.headers['content-security-policy'], /script-src/, 'no script allowed at all (default-src none)');
    t.match(res.headers['content-security-policy'], /default-src 'none'/);
    t.equal(res.headers['x-frame-options'], 'DENY');
    t.equal(res.headers['cache-control'], 'no-store');
    t.notMatch(res.body, /<script/i, 'no script');
    t.match(res.body, /<meta name="viewport"/);
    t.match(res.body, /<label for="username">/);
    t.match(res.body, /<input id="username" name="username"/);
    t.match(res.body, /<input id="password" name="password" type="password"/);
    t.match(String(res.headers['set-cookie']), /haven_browser=.*HttpOnly; SameSite=Lax/);
  });

  t.test('CSRF: a form without its token, from another browser or another origin is refused', async (t) => {
    const agent = new Agent(app.app);
    const page = await agent.get(authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge }));
    const [form] = parseForms(page.body);
    const good = fill(form, { username: 'dr.lee', password: PASSWORD });
    const noCsrf = new URLSearchParams(good);
    noCsrf.delete('csrf');
    t.equal((await agent.post(form.action, noCsrf)).status, 403, 'CSRF token missing');
    const wrongCsrf = new URLSearchParams(good);
    wrongCsrf.set('csrf', 'x'.repeat(43));
    t.equal((await agent.post(form.action, wrongCsrf)).status, 403, 'CSRF token wrong');
    const other = new Agent(app.app);
    t.equal((await other.post(form.action, good)).status, 403, 'another browser (no binding cookie)');
    t.equal((await agent.post(form.action, good, { origin: 'https://evil.example' })).status, 403, 'another origin');
    const ok = await agent.post(form.action, good, { origin: 'http://haven.test' });
    t.equal(ok.status, 303, 'the real form goes through');
  });

  t.test('a Practitioner picks among the patients of their care teams; consent narrows', async (t) => {
    const agent = new Agent(app.app);
    const result = await signIn(
      agent,
      { client_id: clientId, scope: 'launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs' },
      { patient: 'b', uncheck: ['patient/Patient.rs'] },
    );
    const picker = result.pages.find((p) => p.includes('name="patient"'))!;
    t.ok(picker, 'a picker was shown');
    const offered = parseForms(picker)[0]
      .inputs.filter((i) => i.name === 'patient')
      .map((i) => i.value);
    t.same(offered.sort(), ['a', 'b'], 'only the care team patients');
    const consent = result.pages.at(-1)!;
    t.match(consent, /type="checkbox" id="scope-\d+" name="scope" value="patient\/Observation.rs" checked/);
    t.match(consent, /Read and search observations of the selected patient/, 'scopes in plain words');
    t.equal(result.redirect.searchParams.get('state'), result.state);
    const code = result.redirect.searchParams.get('code')!;
    const token = await tokenRequest(app.app, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: result.verifier,
      client_id: clientId,
    });
    t.equal(token.status, 200);
    t.equal(token.json.patient, 'b');
    t.equal(token.json.scope, 'launch/patient openid fhirUser patient/Observation.rs', 'the unchecked scope is not granted');
    const api = app.as(token.json.access_token);
    const obs = await api('GET', 'Observation');
    t.same(
      obs.json.entry.map((e: { resource: { subject: { reference: string } } }) => e.resource.subject.reference),
      ['Patient/b'],
      'only the picked patient',
    );
    t.equal((await api('GET', 'Observation?subject=Patient/a')).json.total ?? 0, 0, 'not another patient of theirs');
    t.ok([403].includes((await api('GET', 'Patient/b')).status), 'a denied type is 403, not an empty 200');
  });

  t.test('the picker reads the patients through the store: each look is audited like a Patient search', async (t) => {
    const pickerApp = await publicApp(app);
    await signIn(new Agent(app.app), { client_id: pickerApp, scope: 'launch/patient openid fhirUser patient/Observation.rs' }, { patient: 'a' });
    const { rows } = await app.db.query<{ query: string; fhir_user: string; client_id: string; compartments: string[] }>(
      "SELECT query, fhir_user, client_id, compartments FROM audit_log WHERE client_id = $1 AND subject = 'dr.lee' AND interaction = 'search-type' ORDER BY chain, seq",
      [pickerApp],
    );
    const listing = rows.find((row) => !row.query.includes('_id='));
    t.ok(listing, 'the list of patients offered is on record');
    t.equal(listing?.fhir_user, 'Practitioner/dr', 'as the signed-in person');
    t.equal(listing?.client_id, pickerApp, 'for the app being authorized');
    const shown = rows.filter((row) => row.query === listing?.query).flatMap((row) => row.compartments);
    t.same([...new Set(shown)].sort(), ['Patient/a', 'Patient/b'], 'naming the patients shown');
    const check = rows.find((row) => row.query.includes('_id=a'));
    t.ok(check, 'the check of the chosen patient is on record too');
    t.same(check?.compartments, ['Patient/a']);
  });

  t.test('a posted patient outside the care team is refused', async (t) => {
    const agent = new Agent(app.app);
    const { challenge } = pkce();
    let page = await agent.get(authorizeUrl({ client_id: clientId, scope: 'launch/patient patient/*.rs', code_challenge: challenge, state: 'pp' }));
    let [form] = parseForms(page.body);
    page = await agent.post(form.action, fill(form, { username: 'dr.lee', password: PASSWORD }));
    page = await agent.get(page.location!);
    [form] = parseForms(page.body);
    const res = await agent.post(form.action, fill(form, { patient: 'c' }));
    const to = new URL(res.location!);
    t.equal(to.searchParams.get('error'), 'access_denied');
    t.equal(to.searchParams.get('state'), 'pp');
  });

  t.test('someone with no patient in their care gets access_denied', async (t) => {
    const result = await signIn(new Agent(app.app), { client_id: clientId, scope: 'launch/patient patient/*.rs' }, { username: 'stranger' });
    t.equal(result.redirect.searchParams.get('error'), 'access_denied');
  });

  t.test('a patient signs in as themself and never gets user/ scopes', async (t) => {
    const result = await signIn(new Agent(app.app), { client_id: clientId, scope: 'launch/patient patient/*.rs user/*.rs system/*.rs' }, { username: 'pat.a' });
    t.notOk(
      result.pages.some((p) => p.includes('name="patient"')),
      'no picker for a patient',
    );
    const token = await tokenRequest(app.app, {
      grant_type: 'authorization_code',
      code: result.redirect.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: result.verifier,
      client_id: clientId,
    });
    t.equal(token.json.patient, 'a');
    t.equal(token.json.scope, 'launch/patient patient/*.rs');
    const obs = await app.as(token.json.access_token)('GET', 'Observation');
    t.same(
      obs.json.entry.map((e: { resource: { subject: { reference: string } } }) => e.resource.subject.reference),
      ['Patient/a'],
    );
    t.equal((await app.as(token.json.access_token)('GET', 'Patient/b')).status >= 403, true, 'another patient is out of reach');
  });

  t.test('deny sends access_denied; nothing granted is access_denied too', async (t) => {
    const denied = await signIn(new Agent(app.app), { client_id: clientId, scope: 'launch/patient patient/*.rs' }, { decision: 'deny', patient: 'a' });
    t.equal(denied.redirect.searchParams.get('error'), 'access_denied');
    t.equal(denied.redirect.searchParams.get('state'), denied.state);
    const none = await signIn(new Agent(app.app), { client_id: clientId, scope: 'patient/*.rs' }, { username: 'pat.a', uncheck: ['patient/*.rs'] });
    t.equal(none.redirect.searchParams.get('error'), 'access_denied');
  });

  t.test('scopes the client is not registered for are dropped; nothing grantable is invalid_scope', async (t) => {
    const narrow = await registerApp(app, {
      client_name: 'Narrow',
      scope: 'patient/Observation.rs',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
    });
    const result = await signIn(new Agent(app.app), { client_id: narrow.json.client_id, scope: 'patient/*.rs openid' }, { username: 'pat.a' });
    const token = await tokenRequest(app.app, {
      grant_type: 'authorization_code',
      code: result.redirect.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: result.verifier,
      client_id: narrow.json.client_id,
    });
    t.equal(token.json.scope, 'patient/Observation.rs');
    const nothing = await signIn(new Agent(app.app), { client_id: narrow.json.client_id, scope: 'patient/Condition.rs' }, { username: 'pat.a' });
    t.equal(nothing.redirect.searchParams.get('error'), 'invalid_scope');
  });

  t.test('EHR launch: the launch value carries the patient; the user must reach it', async (t) => {
    const admin = `Bearer ${await app.token('admin')}`;
    const launch = await app.app.inject({
      method: 'POST',
      url: '/auth/launch',
      headers: { authorization: admin, 'content-type': 'application/json', 'x-request-id': 'ehr-launch-1' },
      payload: { patient: 'a' },
    });
    t.equal(launch.statusCode, 201);
    const onRecord = await auditRows(app.db, 'ehr-launch-1');
    t.ok(
      onRecord.some((row) => row.interaction === 'read' && row.entity_type === 'Patient' && row.entity_id === 'a'),
      'the look at the Patient is a read on record',
    );
    const value = launch.json().launch;
    t.match(value, /^[A-Za-z0-9_-]{43}$/, 'base64url, no +');
    const result = await signIn(new Agent(app.app), { client_id: clientId, scope: 'launch openid fhirUser patient/*.rs', launch: value });
    t.notOk(
      result.pages.some((p) => p.includes('name="patient"')),
      'no picker: the launch decides',
    );
    const token = await tokenRequest(app.app, {
      grant_type: 'authorization_code',
      code: result.redirect.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: result.verifier,
      client_id: clientId,
    });
    t.equal(token.json.patient, 'a');
    const refused = await signIn(new Agent(app.app), { client_id: clientId, scope: 'launch patient/*.rs', launch: value }, { username: 'stranger' });
    t.equal(refused.redirect.searchParams.get('error'), 'access_denied', 'a clinician outside the care team');
    const noToken = await app.app.inject({ method: 'POST', url: '/auth/launch', headers: { 'content-type': 'application/json' }, payload: { patient: 'a' } });
    t.equal(noToken.statusCode, 401);
    const notAdmin = await app.app.inject({
      method: 'POST',
      url: '/auth/launch',
      headers: { authorization: `Bearer ${await app.token('system/*.rs')}`, 'content-type': 'application/json' },
      payload: { patient: 'a' },
    });
    t.equal(notAdmin.statusCode, 403);
    const unknown = await app.app.inject({
      method: 'POST',
      url: '/auth/launch',
      headers: { authorization: admin, 'content-type': 'application/json' },
      payload: { patient: 'zzz' },
    });
    t.equal(unknown.statusCode, 400);
  });

  t.test('a signed-in session is reused, consent is still asked', async (t) => {
    const agent = new Agent(app.app);
    await signIn(agent, { client_id: clientId, scope: 'patient/*.rs' }, { username: 'pat.a' });
    const again = await agent.get(authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge }));
    t.match(again.body, /name="decision" value="allow"/, 'straight to consent');
    t.notMatch(again.body, /name="password"/);
    const none = await agent.get(authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge, prompt: 'none' }));
    t.equal(new URL(none.location!).searchParams.get('error'), 'consent_required');
  });
});
