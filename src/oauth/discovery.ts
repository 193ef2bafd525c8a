// What SMART App Launch adds to discovery: exactly what works (reference/smart-app-launch.md 10).
import type { AuthEndpoints } from '../auth/services.js';
import type { Config } from '../config.js';

export const APP_LAUNCH_CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-banner',
  'sso-openid-connect',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
];

export const APP_LAUNCH_SCOPES = ['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'online_access'];

export function appLaunchEndpoints(config: Config) {
  return {
    authorization_endpoint: `${config.baseUrl}/auth/authorize`,
    introspection_endpoint: `${config.baseUrl}/auth/introspect`,
    revocation_endpoint: `${config.baseUrl}/auth/revoke`,
  };
}

/** {issuer}/.well-known/openid-configuration (OpenID Connect Discovery). */
export function openidConfiguration(config: Config, endpoints: AuthEndpoints) {
  return {
    issuer: config.auth.issuer,
    authorization_endpoint: `${config.baseUrl}/auth/authorize`,
    token_endpoint: endpoints.tokenEndpoint,
    jwks_uri: endpoints.jwksUri,
    registration_endpoint: endpoints.registrationEndpoint,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'online_access'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'private_key_jwt'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'fhirUser'],
  };
}
