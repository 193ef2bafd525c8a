// The dashboard behind a BASE_URL that is not the address Haven listens on (a proxy at
// https://haven.example/clinic, a path prefix included): its config.json, its /app redirect and its
// SMART registration all name BASE_URL's /app/, a registration made under another BASE_URL is
// brought to this one (by `haven demo`, and by the server at start), and the client id may be set
// with DASHBOARD_CLIENT_ID (default haven-dashboard).
import t from 'tap';
import { TEST_KEYS_DIR, testApp } from '../helpers/app.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { ensureDashboardClient, followBaseUrl } from '../../src/app-host/dashboard-client.js';
import { findClient } from '../../src/store/clients.js';
import { startServer } from '../../src/server.js';
import { Agent, pkce } from '../oauth/helpers.js';

const BASE = 'https://haven.example/clinic';

t.test('config.json and /app follow BASE_URL, not the listen address', async (t) => {
  const app = await testApp(t, { BASE_URL: BASE });
  const config = await app.app.inject({ method: 'GET', url: '/app/config.json' });
  t.same(config.json(), { fhirBaseUrl: `${BASE}/fhir`, apiBaseUrl: `${BASE}/api/v1`, clientId: 'haven-dashboard', redirectUri: `${BASE}/app/` });
  const bare = await app.app.inject({ method: 'GET', url: '/app' });
  t.equal(bare.statusCode, 301);
  t.equal(bare.headers.location, `${BASE}/app/`, "to the prefixed /app/, not the proxy's root");
});

t.test('a registration made under another BASE_URL is brought to this one, and the app can sign in with it', async (t) => {
  const app = await testApp(t, { BASE_URL: BASE });
  // `haven demo` run before Haven moved behind the proxy.
  await ensureDashboardClient(app.db, loadConfig({ BASE_URL: 'http://127.0.0.1:8080' }));
  t.same((await findClient(app.db, 'haven-dashboard'))?.redirectUris, ['http://127.0.0.1:8080/app/']);

  const { redirectUri, clientId } = (await app.app.inject({ method: 'GET', url: '/app/config.json' })).json();
  const authorize = () =>
    new Agent(app.app).get(
      `/auth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid fhirUser user/*.rs', state: 's', aud: `${BASE}/fhir`, code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`,
    );
  t.equal((await authorize()).status, 400, 'the stale registration refuses the redirect URI the app sends');

  const again = await ensureDashboardClient(app.db, app.config);
  t.same(again.redirectUris, [`${BASE}/app/`], 'haven demo under the new BASE_URL brings it along');
  t.equal(again.launchUri, `${BASE}/app/launch.html`);
  t.same((await findClient(app.db, 'haven-dashboard'))?.redirectUris, [`${BASE}/app/`], 'stored');
  const page = await authorize();
  t.equal(page.status, 200, 'the login page');
  t.match(page.body, /name="username"/);
});

t.test('the server brings the registration to its BASE_URL at start; a missing one it does not create', async (t) => {
  const app = await testApp(t, { BASE_URL: BASE });
  t.equal(await followBaseUrl(app.db, app.config), undefined, 'nothing registered: nothing made');
  t.equal(await findClient(app.db, 'haven-dashboard'), undefined);
  if (!app.databaseUrl) {
    // A server process needs a database it can reach on its own: on PGlite the function the server
    // calls is checked, the start itself on PostgreSQL.
    await ensureDashboardClient(app.db, loadConfig({ BASE_URL: 'http://127.0.0.1:8080' }));
    await followBaseUrl(app.db, app.config);
    t.same((await findClient(app.db, 'haven-dashboard'))?.redirectUris, [`${BASE}/app/`]);
    return;
  }
  await ensureDashboardClient(app.db, loadConfig({ BASE_URL: 'http://127.0.0.1:8080' }));
  const server = await startServer(loadConfig({ ...serverEnv(app.databaseUrl), BASE_URL: BASE }));
  t.teardown(() => server.stop());
  await server.ready;
  const client = await findClient(app.db, 'haven-dashboard');
  t.same(client?.redirectUris, [`${BASE}/app/`]);
  t.equal(client?.launchUri, `${BASE}/app/launch.html`);
});

t.test('DASHBOARD_CLIENT_ID names the client; haven-dashboard stays the default', async (t) => {
  const app = await testApp(t, { BASE_URL: BASE, DASHBOARD_CLIENT_ID: 'clinic-board' });
  t.equal((await app.app.inject({ method: 'GET', url: '/app/config.json' })).json().clientId, 'clinic-board');
  const client = await ensureDashboardClient(app.db, app.config);
  t.equal(client.clientId, 'clinic-board');
  t.equal(await findClient(app.db, 'haven-dashboard'), undefined, 'no second registration under the default id');
  t.equal(loadConfig({}).dashboardClientId, 'haven-dashboard');
  t.throws(() => loadConfig({ DASHBOARD_CLIENT_ID: 'has space' }), ConfigError);
});

function serverEnv(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    SUBSCRIPTION_WORKER: 'off',
    ALERTS_SCHEDULE: 'off',
    KEYS_DIR: TEST_KEYS_DIR,
    DATA_DIR: '/nonexistent',
  };
}
