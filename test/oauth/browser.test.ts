// A person signs in and consents in a real headless browser (Debian's chromium via puppeteer-core):
// the login form gets focus first, the consent page lists the scopes as checkboxes, unchecking one
// narrows the grant, and the browser lands on the app with a code. The pages carry no script, so
// this also shows they work without JavaScript (it is disabled here). Screenshots are artefacts.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { PASSWORD, seed } from './helpers.js';

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

t.test('signing in and consenting in a browser', async (t) => {
  const probe = createServer();
  const havenPort = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  const base = `http://127.0.0.1:${havenPort}`;
  const app = await testApp(t, { BASE_URL: base });
  await seed(app);
  await app.app.listen({ port: havenPort, host: '127.0.0.1' });

  const appServer = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>App</title><p>Back in the app</p>');
  });
  const appPort = await listen(appServer);
  t.teardown(() => new Promise((resolve) => appServer.close(resolve)));
  const redirectUri = `http://127.0.0.1:${appPort}/callback`;

  const registered = await app.app.inject({
    method: 'POST',
    url: '/auth/register',
    headers: { authorization: `Bearer ${await app.token('admin')}`, 'content-type': 'application/json' },
    payload: {
      client_name: 'Heart recovery app',
      scope: 'launch/patient openid fhirUser offline_access patient/*.rs',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
    },
  });
  const clientId = registered.json().client_id;

  const verifier = randomBytes(48).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid fhirUser offline_access patient/*.rs',
    state: 'browser-state-1',
    aud: `${base}/fhir`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });

  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setViewport({ width: 390, height: 844, isMobile: true });
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused/.test(message.text())) violations.push(message.text());
  });

  await page.goto(`${base}/auth/authorize?${params}`);
  t.match(await page.title(), /Sign in/);
  await screenshot(page, 'oauth-login');
  t.equal(await page.$eval('label[for=username]', (el) => el.textContent), 'Username', 'the field has a label');
  await page.type('#username', 'pat.a');
  await page.type('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);

  t.match(await page.title(), /Allow access/);
  const boxes = await page.$$eval('input[type=checkbox][name=scope]', (els) =>
    els.map((el) => ({ value: (el as HTMLInputElement).value, checked: (el as HTMLInputElement).checked })),
  );
  t.same(
    boxes.map((b) => b.value),
    ['openid', 'fhirUser', 'offline_access', 'patient/*.rs'],
  );
  t.ok(
    boxes.every((b) => b.checked),
    'every requested scope is pre-checked',
  );
  await page.click('label[for=scope-2]'); // the label toggles its box: no offline access
  await screenshot(page, 'oauth-consent');
  await Promise.all([page.waitForNavigation(), page.click('button[name=decision][value=allow]')]);

  const landed = new URL(page.url());
  t.equal(`${landed.origin}${landed.pathname}`, redirectUri, 'back at the app');
  t.equal(landed.searchParams.get('state'), 'browser-state-1');
  const code = landed.searchParams.get('code');
  t.ok(code, 'with a code');
  t.same(violations, [], 'no CSP violations');

  const token = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId }),
  });
  const body = (await token.json()) as { scope: string; patient: string; refresh_token?: string };
  t.equal(token.status, 200);
  t.equal(body.scope, 'openid fhirUser patient/*.rs', 'the unchecked scope was not granted');
  t.equal(body.patient, 'a');
  t.notOk(body.refresh_token, 'no refresh token without offline_access');
});
