// Sign-in failures (reference/smart-app-launch.md 4.2, 11): one message for an unknown user and a
// wrong password, disabled users refused, throttling per username that spares a clinic's shared
// address, and every attempt audited without the password.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { Agent, authorizeUrl, fill, parseForms, pkce, publicApp, seed, PASSWORD } from './helpers.js';

t.test('sign-in failures: one message, disabled users, throttling that spares a clinic', async (t) => {
  const app = await testApp(t);
  await seed(app);
  const clientId = await publicApp(app);
  const { challenge } = pkce();
  const { disableUser } = await import('../../src/oauth/users.js');

  const attempt = async (agent: Agent, username: string, password: string, ip?: string) => {
    const page = await agent.get(authorizeUrl({ client_id: clientId, scope: 'patient/*.rs', code_challenge: challenge }));
    const [form] = parseForms(page.body);
    const res = await app.app.inject({
      method: 'POST',
      url: form.action,
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      payload: fill(form, { username, password }).toString(),
      ...(ip ? { remoteAddress: ip } : {}),
    });
    return res;
  };

  const unknown = await attempt(new Agent(app.app), 'nobody', 'whatever-password');
  const wrong = await attempt(new Agent(app.app), 'dr.lee', 'wrong-password');
  t.equal(unknown.statusCode, 401);
  t.equal(wrong.statusCode, 401);
  t.equal(
    unknown.body.match(/role="alert"[^>]*>([^<]*)/)?.[1],
    wrong.body.match(/role="alert"[^>]*>([^<]*)/)?.[1],
    'the same message for an unknown user and a wrong password',
  );

  await disableUser(app.db, 'pat.a');
  const disabled = await attempt(new Agent(app.app), 'pat.a', PASSWORD);
  t.equal(disabled.statusCode, 401, 'a disabled user cannot sign in');

  // Guessing one clinician's password: blocked after 5 failures, with Retry-After.
  let last;
  for (let i = 0; i < 5; i++) last = await attempt(new Agent(app.app), 'stranger', `guess-${i}-password`, '10.0.0.9');
  t.equal(last!.statusCode, 401, 'five failures are told apart from nothing');
  last = await attempt(new Agent(app.app), 'stranger', 'guess-6-password', '10.0.0.9');
  t.equal(last.statusCode, 429, 'the sixth attempt waits');
  t.ok(Number(last.headers['retry-after']) > 0, 'Retry-After');
  const rightPassword = await attempt(new Agent(app.app), 'stranger', PASSWORD, '10.0.0.9');
  t.equal(rightPassword.statusCode, 429, 'even the right password waits out the delay');

  // Fifty clinicians behind one address, a few typos among them: dr.lee still signs in from there.
  for (let i = 0; i < 10; i++) await attempt(new Agent(app.app), `clinician${i}`, 'typo-password', '10.0.0.9');
  const clinic = await attempt(new Agent(app.app), 'dr.lee', PASSWORD, '10.0.0.9');
  t.equal(clinic.statusCode, 303, "the shared address is not blocked by other people's failures");

  const { rows } = await app.db.query<{ interaction: string; outcome: number; outcome_desc: string; subject: string | null }>(
    "SELECT interaction, outcome, outcome_desc, subject FROM audit_log WHERE interaction = 'oauth-login' ORDER BY recorded",
  );
  t.ok(
    rows.some((r) => r.outcome === 4 && r.subject === 'dr.lee' && /wrong password/.test(r.outcome_desc)),
    'failed login audited with the user',
  );
  t.ok(
    rows.some((r) => r.outcome === 0 && r.subject === 'dr.lee'),
    'successful login audited',
  );
  const everything = JSON.stringify((await app.db.query('SELECT * FROM audit_log')).rows);
  t.notMatch(everything, new RegExp(PASSWORD), 'no password in the audit trail');
  t.notMatch(everything, /guess-\d-password|typo-password/, 'no attempted password either');
});
