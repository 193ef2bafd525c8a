// The dashboard's registration as a SMART client: a public app (PKCE is its only proof, as for any
// browser app) with Haven's own {BASE_URL}/app/ as its redirect URI and {BASE_URL}/app/launch.html
// as its EHR launch URL. Registered under one client id (DASHBOARD_CLIENT_ID, default
// haven-dashboard), which the app learns from its config.json. The URIs are Haven's to keep: they
// follow BASE_URL, so a registration made before Haven moved behind another address still works.
import type { Config } from '../config.js';
import type { Database } from '../store/db.js';
import { findClient, insertClient, setClientUris, type ClientRecord } from '../store/clients.js';

/** The client id when DASHBOARD_CLIENT_ID is not set. */
export const DEFAULT_DASHBOARD_CLIENT_ID = 'haven-dashboard';

/** The most the dashboard may be granted: read what the person may read, and resolve alerts. */
export const DASHBOARD_CLIENT_SCOPE = 'launch openid fhirUser online_access user/*.rs user/Flag.u';

/** Where the dashboard is, at this BASE_URL (a path prefix included). */
export function dashboardUris(config: Config): { redirectUri: string; launchUri: string } {
  return { redirectUri: `${config.baseUrl}/app/`, launchUri: `${config.baseUrl}/app/launch.html` };
}

/** Registers the dashboard (haven demo, tests), or brings an existing registration to this BASE_URL. */
export async function ensureDashboardClient(db: Database, config: Config): Promise<ClientRecord> {
  const existing = await followBaseUrl(db, config);
  if (existing) return existing;
  const { redirectUri, launchUri } = dashboardUris(config);
  return insertClient(db, {
    clientId: config.dashboardClientId,
    clientName: 'Haven care-team dashboard',
    scope: DASHBOARD_CLIENT_SCOPE,
    redirectUris: [redirectUri],
    grantTypes: ['authorization_code', 'refresh_token'],
    authMethod: 'none',
    launchUri,
  });
}

/**
 * At every start: the dashboard's registration, if there is one, gets this BASE_URL's redirect and
 * launch URIs (an address Haven no longer has must not receive codes). Registers nothing.
 */
export async function followBaseUrl(db: Database, config: Config): Promise<ClientRecord | undefined> {
  const existing = await findClient(db, config.dashboardClientId);
  if (!existing) return undefined;
  const { redirectUri, launchUri } = dashboardUris(config);
  if (existing.redirectUris.length === 1 && existing.redirectUris[0] === redirectUri && existing.launchUri === launchUri) return existing;
  await setClientUris(db, existing.clientId, [redirectUri], launchUri);
  return { ...existing, redirectUris: [redirectUri], launchUri };
}
