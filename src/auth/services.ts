// The authorization services of a running Haven: keys, token verification, the permission check.
import type { CapabilityStatementRestSecurity } from '@medplum/fhirtypes';
import type { Config } from '../config.js';
import { isAccessRevoked } from '../store/oauth/state.js';
import { isClientActive } from '../store/clients.js';
import type { Database } from '../store/db.js';
import { authStateOf } from '../store/notifications.js';
import { Authorizer } from './authorize.js';
import { typesOutsidePatientCompartments } from './compartment.js';
import { KeyRing, keySource } from './keys.js';
import type { RestrictionCriteria } from './restriction.js';
import { TokenVerifier, type TokenSettings } from './tokens.js';

export interface AuthServices {
  keys: KeyRing;
  settings: TokenSettings;
  verifier: TokenVerifier;
  authorizer: Authorizer;
  endpoints: AuthEndpoints;
}

export interface AuthEndpoints {
  tokenEndpoint: string;
  registrationEndpoint: string;
  jwksUri: string;
}

export function authEndpoints(config: Config): AuthEndpoints {
  return {
    tokenEndpoint: `${config.baseUrl}/auth/token`,
    registrationEndpoint: `${config.baseUrl}/auth/register`,
    jwksUri: `${config.fhirBaseUrl}/.well-known/jwks.json`,
  };
}

export function tokenSettings(config: Config): TokenSettings {
  return { issuer: config.auth.issuer, audience: config.fhirBaseUrl, ...(config.auth.external ? { external: config.auth.external } : {}) };
}

/** `criteria`: what evaluates v2 query restrictions (the search engine). */
export function createAuthServices(config: Config, db: Database, resourceTypes: Iterable<string>, criteria: RestrictionCriteria): AuthServices {
  const keys = new KeyRing(keySource(config.auth.keysDir, () => db));
  const settings = tokenSettings(config);
  // Remembered while this process LISTENs for auth changes, asked of the database otherwise: a
  // revocation through any process reaches this one by its notification (store/notifications.ts).
  const state = authStateOf(db);
  return {
    keys,
    settings,
    verifier: new TokenVerifier(keys, settings, (clientId) => state.remember(`client ${clientId}`, () => isClientActive(db, clientId)), {
      revoked: (grant) => state.remember(`grant ${grant.grantId} ${grant.jti}`, () => isAccessRevoked(db, grant.grantId, grant.jti)),
      settled: () => state.settled(),
    }),
    authorizer: new Authorizer({
      userAccess: config.auth.userAccess,
      openTypes: new Set(typesOutsidePatientCompartments(resourceTypes)),
      criteria,
    }),
    endpoints: authEndpoints(config),
  };
}

/** CapabilityStatement rest.security: SMART-on-FHIR with its OAuth endpoints. */
export function capabilitySecurity(config: Config): CapabilityStatementRestSecurity {
  const endpoints = authEndpoints(config);
  return {
    cors: true,
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
        text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
      },
    ],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'authorize', valueUri: `${config.baseUrl}/auth/authorize` },
          { url: 'token', valueUri: endpoints.tokenEndpoint },
          { url: 'register', valueUri: endpoints.registrationEndpoint },
          { url: 'introspect', valueUri: `${config.baseUrl}/auth/introspect` },
          { url: 'revoke', valueUri: `${config.baseUrl}/auth/revoke` },
        ],
      },
    ],
    description:
      'Bearer JWT access tokens (SMART App Launch 2.x scopes, v1 and v2). Apps: authorization_code with PKCE S256 (standalone and EHR launch), refresh_token; backend services: client_credentials with private_key_jwt; discovery at .well-known/smart-configuration.',
  };
}
