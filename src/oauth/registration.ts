// The SMART App Launch part of client registration (RFC 7591): redirect URIs, grant types and the
// token endpoint authentication method. src/oauth/client-routes.ts checks the rest (name, scope, keys).
import { OAuthError } from '../auth/oauth-error.js';
import { newSecret, sha256 } from './secrets.js';

export type AuthMethod = 'none' | 'client_secret_basic' | 'private_key_jwt';
const AUTH_METHODS: readonly AuthMethod[] = ['none', 'client_secret_basic', 'private_key_jwt'];
const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];

export interface LaunchMetadata {
  authMethod: AuthMethod;
  grantTypes: string[];
  redirectUris: string[];
  launchUri?: string;
  /** client_secret_basic: the secret shown once in the answer, and its stored hash. */
  secret?: { value: string; hash: Buffer };
}

function invalid(description: string, error: 'invalid_client_metadata' | 'invalid_redirect_uri' = 'invalid_client_metadata'): OAuthError {
  return new OAuthError(400, error as 'invalid_client_metadata', description);
}

export function checkLaunchMetadata(m: Record<string, unknown>): LaunchMetadata {
  const method = m.token_endpoint_auth_method ?? 'private_key_jwt';
  if (!AUTH_METHODS.includes(method as AuthMethod)) throw invalid(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  const authMethod = method as AuthMethod;
  const redirectUris = m.redirect_uris === undefined ? [] : checkRedirectUris(m.redirect_uris);
  const grantTypes = m.grant_types === undefined ? (redirectUris.length ? ['authorization_code', 'refresh_token'] : ['client_credentials']) : m.grant_types;
  if (!Array.isArray(grantTypes) || !grantTypes.length || grantTypes.some((g) => typeof g !== 'string' || !GRANT_TYPES.includes(g))) {
    throw invalid(`grant_types must be a list of ${GRANT_TYPES.join(', ')}`);
  }
  const grants = [...new Set(grantTypes as string[])];
  if (grants.includes('authorization_code') && !redirectUris.length)
    throw invalid('redirect_uris is required for the authorization_code grant', 'invalid_redirect_uri');
  if (grants.includes('refresh_token') && !grants.includes('authorization_code')) throw invalid('refresh_token goes with authorization_code');
  if (grants.includes('client_credentials') && authMethod !== 'private_key_jwt') {
    throw invalid('client_credentials (SMART Backend Services) needs token_endpoint_auth_method private_key_jwt');
  }
  let launchUri: string | undefined;
  if (m.launch_uri !== undefined) launchUri = checkUri(m.launch_uri, 'launch_uri');
  const value = authMethod === 'client_secret_basic' ? newSecret() : undefined;
  return {
    authMethod,
    grantTypes: grants,
    redirectUris,
    ...(launchUri ? { launchUri } : {}),
    ...(value ? { secret: { value, hash: sha256(value) } } : {}),
  };
}

function checkRedirectUris(value: unknown): string[] {
  if (!Array.isArray(value) || !value.length || value.length > 20) throw invalid('redirect_uris must be a list of 1 to 20 URLs', 'invalid_redirect_uri');
  return [...new Set(value.map((v) => checkUri(v, 'redirect_uris')))];
}

/** An absolute https URL (http only on the loopback interface) without a fragment (RFC 6749 3.1.2). */
function checkUri(value: unknown, field: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalid(`${field}: ${String(value).slice(0, 100)} is not a URL`, 'invalid_redirect_uri');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (typeof value !== 'string' || value.length > 2000 || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw invalid(`${field} must be https URLs (http only for localhost)`, 'invalid_redirect_uri');
  }
  if (url.hash || value.includes('#')) throw invalid(`${field} may not have a fragment`, 'invalid_redirect_uri');
  return value;
}
