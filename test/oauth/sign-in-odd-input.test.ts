// The sign-in endpoints never answer 500 for what a client or browser sends (review of issue 15):
// a NUL character (which PostgreSQL text cannot hold) in any field, a username no login can have
// (too long for the throttle table's index), a password hash that cannot be computed (scrypt
// without its memory), and the same form posted twice at once. Each gets the answer its step gives
// any bad input: the error page, a redirect with `error`, the login page again, or invalid_client.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { storeHash } from '../../src/oauth/users.js';
import { Agent, authorizeUrl, fill, parseForms, pkce, publicApp, REDIRECT, seed, PASSWORD, tokenRequest, type Form } from './helpers.js';

const app = await testApp(t);
await seed(app);
const clientId = await publicApp(app);

/** A fresh browser at the login page of a new request. */
async function loginForm(): Promise<{ agent: Agent; form: Form }> {
  const agent = new Agent(app.app);
  const page = await agent.get(authorizeUrl({ client_id: clientId, scope: 'patient/*.rs launch/patient', code_challenge: pkce().challenge }));
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}`);
  return { agent, form: parseForms(page.body)[0] };
}

t.test('a NUL in the authorization request: the error page or a redirect with invalid_request', async (t) => {
  const agent = new Agent(app.app);
  const unknownClient = await agent.get(authorizeUrl({ client_id: 'app\0x', scope: 'patient/*.rs', code_challenge: pkce().challenge }));
  t.equal(unknownClient.status, 400, 'client_id: the page for an unregistered app');
  t.match(unknownClient.body, /not registered/);
  for (const name of ['state', 'nonce', 'scope']) {
    const answer = await agent.get(
      authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: pkce().challenge, state: 's1', [name]: name === 'state' ? 's\0' : 'x\0y' }),
    );
    t.equal(answer.status, 302, `${name}: redirected to the app`);
    const back = new URL(answer.location!);
    t.equal(`${back.origin}${back.pathname}`, REDIRECT);
    t.equal(back.searchParams.get('error'), 'invalid_request', `${name}: invalid_request`);
    t.match(back.searchParams.get('error_description'), new RegExp(name));
  }
  const next = await agent.get('/auth/authorize/continue?request=%00');
  t.equal(next.status, 400, 'continue with a NUL request handle: the expired page');
});

t.test('a NUL or an impossible username in the login form: the login page or the expired page', async (t) => {
  for (const [what, values] of [
    ['NUL in the username', { username: 'dr\0lee', password: PASSWORD }],
    // Random, so PostgreSQL cannot compress it below its index row limit (2704 bytes).
    ['a username longer than any login', { username: randomBytes(6000).toString('base64url'), password: PASSWORD }],
    ['NUL in the password', { username: 'dr.lee', password: 'a\0b' }],
  ] as const) {
    const { agent, form } = await loginForm();
    const answer = await agent.post(form.action, fill(form, values));
    t.equal(answer.status, 401, `${what}: 401`);
    t.match(answer.body, /The username or password is not right/, `${what}: the login page again`);
  }
  const { agent, form } = await loginForm();
  const forged = await agent.post(form.action, fill(form, { request: 'req\0x', username: 'dr.lee', password: PASSWORD }));
  t.equal(forged.status, 403, 'NUL in the request handle: the expired page');
  // The real form still works afterwards.
  const ok = await agent.post(form.action, fill(form, { username: 'dr.lee', password: PASSWORD }));
  t.equal(ok.status, 303);
  const [picker] = parseForms((await agent.get(ok.location!)).body);
  t.ok(picker.action.endsWith('/patient'), 'the patient picker');
  const chosen = await agent.post(picker.action, fill(picker, { patient: 'a\0' }));
  t.equal(chosen.status, 302, 'a NUL in the chosen patient: back to the app');
  t.equal(new URL(chosen.location!).searchParams.get('error'), 'access_denied');
});

t.test('a NUL client_id at the token, introspection and revocation endpoints: invalid_client', async (t) => {
  const token = await tokenRequest(app.app, {
    grant_type: 'authorization_code',
    code: 'abc',
    client_id: 'app\0x',
    redirect_uri: REDIRECT,
    code_verifier: pkce().verifier,
  });
  t.equal(token.status, 401);
  t.equal(token.json.error, 'invalid_client');
  const basic = await tokenRequest(
    app.app,
    { grant_type: 'authorization_code', code: 'abc', redirect_uri: REDIRECT, code_verifier: pkce().verifier },
    {
      authorization: `Basic ${Buffer.from('app%00x:secret').toString('base64')}`,
    },
  );
  t.equal(basic.status, 401, 'in Basic credentials too');
  for (const url of ['/auth/introspect', '/auth/revoke']) {
    const res = await app.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=abc&client_id=app%00x',
    });
    t.equal(res.statusCode, 401, url);
    t.equal(res.json().error, 'invalid_client', url);
  }
});

t.test('a password hash that cannot be computed: 503 with Retry-After and the login page, nothing counted', async (t) => {
  // scrypt refuses to run this cost (far more memory than any machine has): the same failure as
  // its 128 MiB not being had on a loaded machine, made certain.
  await storeHash(app.db, 'stranger', `scrypt$20$${2 ** 24}$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`);
  const { agent, form } = await loginForm();
  const answer = await agent.post(form.action, fill(form, { username: 'stranger', password: PASSWORD }), { 'x-request-id': 'hash-fails' });
  t.equal(answer.status, 503);
  t.equal(answer.headers['retry-after'], '5');
  t.match(answer.headers['content-type'], /text\/html/);
  t.match(answer.body, /Try again in a few seconds/);
  t.ok(parseForms(answer.body)[0]?.action.endsWith('/login'), 'the login form again, to try once more');
  const { rows } = await app.db.query("SELECT key FROM oauth_login_throttle WHERE key = 'user:stranger'");
  t.same(rows, [], 'not counted as a failed sign-in');
});

t.test('the same login form posted twice at once: both sign in, and the request is finished once', async (t) => {
  const { agent, form } = await loginForm();
  const body = fill(form, { username: 'dr.lee', password: PASSWORD });
  const [first, second] = await Promise.all([agent.post(form.action, body), agent.post(form.action, body)]);
  t.same([first.status, second.status], [303, 303], 'neither answers 500');
  let page = await agent.get(first.location!);
  if (parseForms(page.body)[0]?.action.endsWith('/patient')) {
    const picker = parseForms(page.body)[0];
    page = await agent.get((await agent.post(picker.action, fill(picker, { patient: 'a' }))).location!);
  }
  const consent = parseForms(page.body)[0];
  t.ok(consent.action.endsWith('/consent'), 'on to consent');
  const allow = fill(consent, { scope: consent.inputs.filter((i) => i.name === 'scope').map((i) => i.value) }, { name: 'decision', value: 'allow' });
  const answers = await Promise.all([agent.post(consent.action, allow), agent.post(consent.action, allow)]);
  const [code, late] = answers[0].status === 302 ? answers : [answers[1], answers[0]];
  t.equal(code.status, 302, 'one submit gets the code');
  t.ok(new URL(code.location!).searchParams.get('code'));
  // 403 when it came after the request was finished, 400 when it read the request just before.
  t.ok([400, 403].includes(late.status), `the other finds the request finished (${late.status})`);
  t.match(late.body, /This sign-in has expired/);
});
