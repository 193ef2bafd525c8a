// Signing in: SMART App Launch through fhirclient, which keeps its state (and the token) in
// sessionStorage, the only thing the dashboard stores in the browser. Standalone launch by a
// clinician (the patient list is their patient picker), EHR launch (launch.html?iss=…&launch=…)
// with a patient in context, and, for development before any login exists, a token pasted into a
// form and kept the same way fhirclient keeps its own.
import FHIR from 'fhirclient';
import type Client from 'fhirclient/lib/Client';

export interface AppConfig {
  fhirBaseUrl: string;
  apiBaseUrl: string;
  clientId: string;
  /** The redirect URI the dashboard is registered with: {BASE_URL}/app/. */
  redirectUri?: string;
}

/** What the dashboard asks for: read what the person may read, and update Flags to resolve them. */
export const STANDALONE_SCOPE = 'openid fhirUser user/*.rs user/Flag.u';
export const EHR_SCOPE = `launch ${STANDALONE_SCOPE}`;

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch('config.json', { credentials: 'omit' });
  if (!response.ok) throw new Error(`The dashboard's configuration did not load (${response.status})`);
  return (await response.json()) as AppConfig;
}

/** Haven's registered one (it follows BASE_URL); this page's folder only from an older server. */
function redirectUri(config: AppConfig): string {
  return config.redirectUri ?? new URL('./', window.location.href).href;
}

/** EHR launch: fhirclient reads iss and launch from the URL, then sends the browser to authorize. */
export function ehrLaunch(config: AppConfig): Promise<string | void> {
  return FHIR.oauth2.authorize({ clientId: config.clientId, scope: EHR_SCOPE, redirectUri: redirectUri(config), completeInTarget: true });
}

/** Standalone launch by a clinician at Haven's own sign-in page. */
export function standaloneLaunch(config: AppConfig): Promise<string | void> {
  return FHIR.oauth2.authorize({
    clientId: config.clientId,
    scope: STANDALONE_SCOPE,
    redirectUri: redirectUri(config),
    iss: config.fhirBaseUrl,
    completeInTarget: true,
  });
}

/** The client of a completed launch (or of a reload after one), or undefined when not signed in. */
export async function currentClient(): Promise<Client | undefined> {
  const hasLaunchState = new URLSearchParams(window.location.search).has('state') || sessionStorage.getItem('SMART_KEY') !== null;
  if (!hasLaunchState) return undefined;
  return FHIR.oauth2.ready();
}

/**
 * Development sign-in with a token from `haven token` (until a SMART login is set up): stored
 * exactly where fhirclient keeps a completed launch, so the rest of the app cannot tell.
 */
export function useToken(config: AppConfig, accessToken: string): void {
  const claims = tokenClaims(accessToken);
  const key = 'haven-token-sign-in';
  const state = {
    serverUrl: config.fhirBaseUrl,
    clientId: config.clientId,
    scope: typeof claims.scope === 'string' ? claims.scope : '',
    tokenResponse: {
      access_token: accessToken,
      token_type: 'Bearer',
      scope: claims.scope,
      ...(typeof claims.patient === 'string' ? { patient: claims.patient } : {}),
    },
    ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp } : {}),
    completeInTarget: true,
  };
  sessionStorage.setItem(key, JSON.stringify(state));
  sessionStorage.setItem('SMART_KEY', JSON.stringify(key));
}

export function signOut(): void {
  sessionStorage.clear();
}

/** The claims of a JWT access token, read without checking (the server checks it). */
export function tokenClaims(token: string): Record<string, unknown> {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The signed-in person, e.g. "Practitioner/123": from the id_token, else from the access token. */
export function fhirUserOf(client: Client): string | undefined {
  const fromIdToken = client.getFhirUser();
  if (fromIdToken) return fromIdToken.replace(/^.*\/((?:Practitioner|PractitionerRole|Patient|RelatedPerson|Person)\/[^/]+)$/, '$1');
  const access = client.state.tokenResponse?.access_token;
  const claim = access ? tokenClaims(access).fhirUser : undefined;
  return typeof claim === 'string' ? claim.replace(/^.*\/((?:Practitioner|PractitionerRole|Patient|RelatedPerson|Person)\/[^/]+)$/, '$1') : undefined;
}

export function grantedScopes(client: Client): string[] {
  const scope = client.state.tokenResponse?.scope ?? client.state.scope ?? '';
  return String(scope).split(/\s+/).filter(Boolean);
}

/** Whether the token allows updating Flags (resolving an alert). */
export function mayResolve(client: Client): boolean {
  return grantedScopes(client).some((s) => /^(user|system|patient)\/(Flag|\*)\.(write|\*|c?r?ud?s?)(\?.*)?$/.test(s));
}
