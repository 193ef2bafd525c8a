// What a verified access token grants: who acts and which scopes, read once per request.
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
}

const FHIR_USER = /(?:^|\/)((?:Patient|Practitioner|PractitionerRole|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64})$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** A Grant from the claims of a verified token. Unknown or malformed parts grant nothing. */
export function grantFromClaims(issuer: Grant['issuer'], claims: Record<string, unknown>): Grant {
  const scope = typeof claims.scope === 'string' ? claims.scope : '';
  const parsed = parseScopes(scope);
  const fhirUser = typeof claims.fhirUser === 'string' ? FHIR_USER.exec(claims.fhirUser)?.[1] : undefined;
  const patient = typeof claims.patient === 'string' && ID.test(claims.patient) ? claims.patient : undefined;
  return {
    issuer,
    ...(typeof claims.sub === 'string' ? { subject: claims.sub } : {}),
    ...(typeof claims.client_id === 'string' ? { clientId: claims.client_id } : {}),
    ...(fhirUser ? { fhirUser } : {}),
    ...(patient ? { patient } : {}),
    scopes: parsed.resources,
    admin: parsed.others.includes('admin'),
    scope,
  };
}
