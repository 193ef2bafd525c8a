// OpenID Connect id_tokens: RS256 with Haven's signing key (kid in the header), iss = the FHIR base
// (the OIDC issuer), aud = client_id, sub = the user's stable subject, fhirUser as an absolute URL.
import { SignJWT } from 'jose';
import type { AuthServices } from '../auth/services.js';
import type { GrantRecord } from '../store/oauth/state.js';

export const ID_TOKEN_TTL = 3600;

export async function mintIdToken(auth: AuthServices, fhirBaseUrl: string, grant: GrantRecord, nonce?: string): Promise<string> {
  const key = await auth.keys.signingKey();
  return new SignJWT({ fhirUser: `${fhirBaseUrl}/${grant.fhirUser}`, ...(nonce ? { nonce } : {}), auth_time: Math.floor(grant.authTime.getTime() / 1000) })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(auth.settings.issuer)
    .setSubject(grant.subject)
    .setAudience(grant.clientId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ID_TOKEN_TTL)
    .sign(key.privateKey);
}
