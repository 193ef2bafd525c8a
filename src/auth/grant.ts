// What a verified access token grants: who acts and which scopes, read once per request.
import { isFhirId } from '../grammar/id.js';
import { FHIR_USER_TYPES, parseLiteralReference, referenceKey } from '../grammar/reference.js';
import { parseScopes, type ResourceScope } from './scopes.js';

export interface Grant {
  /** Who issued the token: Haven itself, or the configured outside authorization server. */
  issuer: 'haven' | 'external';
  subject?: string;
  /** The registered client the token was issued to (Haven's token endpoint). */
  clientId?: string;
  /** "Practitioner/1", "Patient/2", ... (relative, whatever form the claim had). */
  fhirUser?: string;
  /** Patient launch context: the id of the patient that patient/ scopes are confined to. */
  patient?: string;
  /** The token's resource scopes. */
  scopes: ResourceScope[];
  /** The `admin` scope: client registration, and reading the audit trail. */
  admin: boolean;
  /** The scope claim as sent. */
  scope: string;
  /** SMART App Launch: the grant a signed-in app's token came from (revocation ends it), and the token's id. */
  grantId?: string;
  jti?: string;
}

/**
 * A Grant from the claims of a verified token. Unknown or malformed parts grant nothing.
 * `fhirBaseUrl`: this server's FHIR base; a fhirUser is a user of this server only when it is
 * relative or an absolute URL under this base (SMART: a URL of the FHIR server's resource). A
 * Practitioner of another server grants nothing here.
 */
export function grantFromClaims(issuer: Grant['issuer'], claims: Record<string, unknown>, fhirBaseUrl: string): Grant {
  const scope = typeof claims.scope === 'string' ? claims.scope : '';
  const parsed = parseScopes(scope);
  const fhirUser = typeof claims.fhirUser === 'string' ? localUser(claims.fhirUser, fhirBaseUrl) : undefined;
  const patient = isFhirId(claims.patient) ? claims.patient : undefined;
  return {
    issuer,
    ...(typeof claims.sub === 'string' ? { subject: claims.sub } : {}),
    ...(typeof claims.client_id === 'string' ? { clientId: claims.client_id } : {}),
    ...(fhirUser ? { fhirUser } : {}),
    ...(patient ? { patient } : {}),
    scopes: parsed.resources,
    admin: parsed.others.includes('admin'),
    scope,
    ...(typeof claims.gid === 'string' ? { grantId: claims.gid } : {}),
    ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}),
  };
}

/** "Type/id" of a fhirUser that is relative or under this server's FHIR base; undefined otherwise. */
function localUser(claim: string, fhirBaseUrl: string): string | undefined {
  const user = parseLiteralReference(claim, { baseUrl: fhirBaseUrl, types: FHIR_USER_TYPES, versioned: false });
  return user && referenceKey(user);
}
