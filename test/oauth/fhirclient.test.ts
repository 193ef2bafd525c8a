// The real fhirclient library (its Node adapter) against a running Haven: a standalone launch and
// an EHR launch, each authorize() → the person signs in and consents through the HTML forms (driven
// here by plain HTTP) → ready() → the patient and their Observations read with the token it got.
// The app is a public client: PKCE is its only proof.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import smart from 'fhirclient/lib/entry/node.js';
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { fill, parseForms, PASSWORD, seed } from './helpers.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** fhirclient keeps its state here between authorize() and ready() (a server-side session). */
function memoryStorage() {
  const data = new Map<string, unknown>();
  return {
    get: async (key: string) => data.get(key),
    set: async (key: string, value: unknown) => {
      data.set(key, value);
      return value;
    },
    unset: async (key: string) => data.delete(key),
  };
}

/** A browser over real HTTP without JavaScript: cookies, manual redirects. */
class HttpBrowser {
  private cookies = new Map<string, string>();
  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  async request(url: string, form?: URLSearchParams): Promise<Response> {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin } : {}),
      },
      ...(form ? { body: form.toString() } : {}),
    });
    this.remember(res);
    return res;
  }

  /** Follows redirects, signs in and allows, until the browser is sent to `until` (the app). */
  async run(start: string, until: string, username: string): Promise<string> {
    let url = start;
    let res = await this.request(url);
    for (let step = 0; step < 12; step++) {
      const location = res.headers.get('location');
      if (location) {
        url = new URL(location, url).toString();
        if (url.startsWith(until)) return url;
        res = await this.request(url);
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`${res.status} at ${url}: ${html.slice(0, 300)}`);
      const [form] = parseForms(html);
      if (!form) return url; // the app's own page
      const action = new URL(form.action, url).toString();
      if (form.action.endsWith('/login')) res = await this.request(action, fill(form, { username, password: PASSWORD }));
      else if (form.action.endsWith('/patient')) res = await this.request(action, fill(form, { patient: 'b' }));
      else {
        const scopes = form.inputs.filter((i) => i.name === 'scope').map((i) => i.value);
        res = await this.request(action, fill(form, { scope: scopes }, { name: 'decision', value: 'allow' }));
      }
    }
    throw new Error('the browser never came back to the app');
  }
}

t.test('fhirclient standalone and EHR launch against a running Haven', async (t) => {
  const havenPort = await freePort();
  const base = `http://127.0.0.1:${havenPort}`;
  const app = await testApp(t, { BASE_URL: base });
  await seed(app);
  await app.app.listen({ port: havenPort, host: '127.0.0.1' });

  const storage = memoryStorage();
  const appPort = await freePort();
  const appBase = `http://127.0.0.1:${appPort}`;
  const redirectUri = `${appBase}/callback`;
  let clientId = '';
  const results: Array<Record<string, unknown>> = [];

  // The SMART app: /launch (EHR), /standalone, /callback. fhirclient does the OAuth part.
  const appServer: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', appBase);
    const client = smart(req, res, storage);
    const fail = (error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String((error as Error)?.stack ?? error));
    };
    if (url.pathname === '/launch') {
      client.authorize({ clientId, scope: 'launch openid fhirUser patient/*.rs', redirectUri, pkceMode: 'required' }).catch(fail);
    } else if (url.pathname === '/standalone') {
      client
        .authorize({ clientId, scope: 'launch/patient openid fhirUser offline_access patient/*.rs', redirectUri, iss: `${base}/fhir`, pkceMode: 'required' })
        .catch(fail);
    } else if (url.pathname === '/callback') {
      client
        .ready()
        .then(async (fhir) => {
          const patient = await fhir.patient.read();
          const observations = await fhir.request(`Observation?patient=${fhir.patient.id}`);
          const user = await fhir.user.read();
          const answer = {
            patient: patient.id,
            observations: (observations.entry ?? []).map((e: { resource: { subject: { reference: string } } }) => e.resource.subject.reference),
            user: `${user.resourceType}/${user.id}`,
            scope: fhir.state.tokenResponse?.scope,
            refresh: Boolean(fhir.state.tokenResponse?.refresh_token),
          };
          results.push(answer);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer));
        })
        .catch(fail);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => appServer.listen(appPort, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => appServer.close(resolve)));

  const admin = await app.token('admin');
  const registered = await fetch(`${base}/auth/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'fhirclient test app',
      scope: 'launch launch/patient openid fhirUser offline_access patient/*.rs',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
    }),
  });
  t.equal(registered.status, 201);
  clientId = ((await registered.json()) as { client_id: string }).client_id;

  t.test('standalone launch: a clinician picks a patient of their care team', async (t) => {
    const browser = new HttpBrowser();
    const back = await browser.run(`${appBase}/standalone`, redirectUri, 'dr.lee');
    const res = await browser.request(back);
    const body = await res.text();
    t.equal(res.status, 200, body.slice(0, 500));
    const answer = JSON.parse(body);
    t.equal(answer.patient, 'b');
    t.same(answer.observations, ['Patient/b'], "only that patient's Observations");
    t.equal(answer.user, 'Practitioner/dr', 'fhirUser read with the token');
    t.equal(answer.refresh, true, 'offline_access gave a refresh token');
  });

  t.test('EHR launch: the launch value carries the patient', async (t) => {
    const launch = await fetch(`${base}/auth/launch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: 'a' }),
    });
    t.equal(launch.status, 201);
    const { launch: value } = (await launch.json()) as { launch: string };
    const browser = new HttpBrowser();
    const start = `${appBase}/launch?iss=${encodeURIComponent(`${base}/fhir`)}&launch=${encodeURIComponent(value)}`;
    const back = await browser.run(start, redirectUri, 'dr.lee');
    const res = await browser.request(back);
    const body = await res.text();
    t.equal(res.status, 200, body.slice(0, 500));
    const answer = JSON.parse(body);
    t.equal(answer.patient, 'a');
    t.same(answer.observations, ['Patient/a']);
  });
});
