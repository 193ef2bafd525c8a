// The dashboard's registration as a SMART client: a public app (PKCE is its only proof, as for any
// browser app) with Haven's own /app/ as its redirect URI and /app/launch.html as its EHR launch
// URL. Registered once under a fixed client id, so the app's config.json can name it.
import type { Config } from '../config.js';
import type { Database } from '../store/db.js';
import { findClient, insertClient, type ClientRecord } from '../store/clients.js';
import { DASHBOARD_CLIENT_ID } from './plugin.js';

/** The most the dashboard may be granted: read what the person may read, and resolve alerts. */
export const DASHBOARD_CLIENT_SCOPE = 'launch openid fhirUser online_access user/*.rs user/Flag.u';

export async function ensureDashboardClient(db: Database, config: Config): Promise<ClientRecord> {
  const existing = await findClient(db, DASHBOARD_CLIENT_ID);
  if (existing) return existing;
  return insertClient(db, {
    clientId: DASHBOARD_CLIENT_ID,
    clientName: 'Haven care-team dashboard',
    scope: DASHBOARD_CLIENT_SCOPE,
    redirectUris: [`${config.baseUrl}/app/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    authMethod: 'none',
    launchUri: `${config.baseUrl}/app/launch.html`,
  });
}
