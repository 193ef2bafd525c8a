// Test helpers for SMART App Launch: a cookie-keeping "browser" over app.inject that fills the
// sign-in forms as a person would (reading the HTML, posting every hidden input back as it was),
// PKCE pairs, a small data set (patients, a clinician and their care team) and registered apps.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { TEST_BASE_URL, type TestApp } from '../helpers/app.js';
import { addUser } from '../../src/oauth/users.js';

export const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
export const REDIRECT = 'http://localhost:9999/callback';
export const PASSWORD = 'correct horse battery';

export interface Input {
  tag: 'input' | 'button';
  name?: string;
  value: string;
  type: string;
  checked: boolean;
}

export interface Form {
  action: string;
  inputs: Input[];
}

function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z-]+)(?:="([^"]*)")?/g)) attrs[m[1].toLowerCase()] = decode(m[2] ?? '');
  return attrs;
}

function decode(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = attributes(m[1]).action ?? '';
    const inputs: Input[] = [];
    for (const tag of m[2].matchAll(/<(input|button)\b([^>]*)>/g)) {
      const a = attributes(tag[2]);
      inputs.push({ tag: tag[1] as Input['tag'], ...(a.name ? { name: a.name } : {}), value: a.value ?? '', type: a.type ?? 'text', checked: 'checked' in a });
    }
    forms.push({ action, inputs });
  }
  return forms;
}

export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  location?: string;
}

/** A browser without JavaScript: keeps cookies, follows nothing by itself. */
export class Agent {
  cookies = new Map<string, string>();
  constructor(readonly app: FastifyInstance) {}

  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  private keep(headers: Record<string, unknown>): void {
    const set = headers['set-cookie'];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [String(set)]) {
      const [pair] = String(line).split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await this.app.inject({ method: 'GET', url: path, headers: { ...this.cookieHeader(), ...headers } });
    this.keep(res.headers);
    return { status: res.statusCode, headers: res.headers, body: res.body, ...(res.headers.location ? { location: String(res.headers.location) } : {}) };
  }

  async post(path: string, form: URLSearchParams | Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await this.app.inject({
      method: 'POST',
      url: path,
      headers: { ...this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: (form instanceof URLSearchParams ? form : new URLSearchParams(form)).toString(),
    });
    this.keep(res.headers);
    return { status: res.statusCode, headers: res.headers, body: res.body, ...(res.headers.location ? { location: String(res.headers.location) } : {}) };
  }
}

/** The form's fields as a browser would post them: hidden inputs as they were, plus the filled ones. */
export function fill(form: Form, values: Record<string, string | string[]>, submit?: { name: string; value: string }): URLSearchParams {
  const body = new URLSearchParams();
  for (const input of form.inputs) {
    if (!input.name || input.tag === 'button') continue;
    if (input.name in values) continue;
    if ((input.type === 'checkbox' || input.type === 'radio') && !input.checked) continue;
    body.append(input.name, input.value);
  }
  for (const [name, value] of Object.entries(values)) for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  if (submit) body.append(submit.name, submit.value);
  return body;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeParams {
  client_id: string;
  scope: string;
  redirect_uri?: string;
  state?: string;
  aud?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  response_type?: string;
  launch?: string;
  nonce?: string;
  [name: string]: string | undefined;
}

export function authorizeUrl(params: AuthorizeParams): string {
  const query = new URLSearchParams();
  const all = {
    response_type: 'code',
    redirect_uri: REDIRECT,
    state: randomBytes(16).toString('hex'),
    aud: FHIR_BASE,
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) query.set(k, v);
  return `/auth/authorize?${query}`;
}

export interface SignInOptions {
  username?: string;
  password?: string;
  /** Patient to pick in the picker (default: the first offered). */
  patient?: string;
  /** Scopes to uncheck on the consent page. */
  uncheck?: string[];
  decision?: 'allow' | 'deny';
}

export interface SignInResult {
  /** The app's redirect with code/state or error/state, parsed. */
  redirect: URL;
  pages: string[];
  verifier: string;
  state: string;
}

/** Runs a whole authorization in the agent: login, picker, consent; returns where the app is sent. */
export async function signIn(agent: Agent, params: AuthorizeParams, options: SignInOptions = {}): Promise<SignInResult> {
  const { verifier, challenge } = pkce();
  const state = params.state ?? randomBytes(16).toString('hex');
  let answer = await agent.get(authorizeUrl({ code_challenge: challenge, ...params, state }));
  const pages: string[] = [];
  for (let step = 0; step < 10; step++) {
    if (answer.status === 302 && answer.location) return { redirect: new URL(answer.location), pages, verifier, state };
    if (answer.status === 303 && answer.location) {
      answer = await agent.get(answer.location);
      continue;
    }
    if (answer.status !== 200) throw new Error(`sign-in stopped with ${answer.status}: ${answer.body.slice(0, 300)}`);
    pages.push(answer.body);
    const [form] = parseForms(answer.body);
    if (!form) throw new Error(`no form on the page: ${answer.body.slice(0, 300)}`);
    if (form.action.endsWith('/login')) {
      answer = await agent.post(form.action, fill(form, { username: options.username ?? 'dr.lee', password: options.password ?? PASSWORD }));
    } else if (form.action.endsWith('/patient')) {
      answer = await agent.post(form.action, fill(form, options.patient ? { patient: options.patient } : {}));
    } else {
      const scopes = form.inputs.filter((i) => i.name === 'scope' && !(options.uncheck ?? []).includes(i.value)).map((i) => i.value);
      answer = await agent.post(form.action, fill(form, { scope: scopes }, { name: 'decision', value: options.decision ?? 'allow' }));
    }
  }
  throw new Error('sign-in did not finish');
}

export async function tokenRequest(app: FastifyInstance, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  });
  return { status: res.statusCode, headers: res.headers, json: res.json() };
}

export async function registerApp(app: TestApp, body: Record<string, unknown>) {
  const res = await app.app.inject({
    method: 'POST',
    url: '/auth/register',
    headers: { authorization: `Bearer ${await app.token('admin')}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, json: res.json() };
}

export const APP_SCOPE = 'launch launch/patient openid fhirUser offline_access online_access patient/*.rs patient/*.read user/*.rs';

export async function publicApp(app: TestApp, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await registerApp(app, { client_name: 'Mood diary', scope: APP_SCOPE, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', ...extra });
  if (res.status !== 201) throw new Error(JSON.stringify(res.json));
  return res.json.client_id;
}

/**
 * Patients a, b and c; Dr Lee (Practitioner/dr) cares for a and b through an active CareTeam;
 * Practitioner/stranger cares for nobody. Logins: dr.lee, stranger, pat.a (Patient/a).
 */
export async function seed(app: TestApp): Promise<void> {
  for (const [id, given] of [
    ['a', 'Ada'],
    ['b', 'Ben'],
    ['c', 'Cy'],
  ]) {
    const put = await app.fhir('PUT', `Patient/${id}`, { resourceType: 'Patient', id, name: [{ given: [given], family: 'Tester' }], birthDate: '1980-01-01' });
    if (put.status >= 300) throw new Error(put.body);
    await app.fhir('POST', 'Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${id}` },
      valueQuantity: { value: 70, unit: '/min' },
    });
  }
  await app.fhir('PUT', 'Practitioner/dr', { resourceType: 'Practitioner', id: 'dr', name: [{ family: 'Lee' }] });
  await app.fhir('PUT', 'Practitioner/stranger', { resourceType: 'Practitioner', id: 'stranger', name: [{ family: 'Stranger' }] });
  for (const patient of ['a', 'b']) {
    await app.fhir('POST', 'CareTeam', {
      resourceType: 'CareTeam',
      status: 'active',
      subject: { reference: `Patient/${patient}` },
      participant: [{ member: { reference: 'Practitioner/dr' } }],
    });
  }
  await addUser(app.db, 'dr.lee', 'Practitioner/dr', PASSWORD);
  await addUser(app.db, 'stranger', 'Practitioner/stranger', PASSWORD);
  await addUser(app.db, 'pat.a', 'Patient/a', PASSWORD);
}
