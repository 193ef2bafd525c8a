// Access tokens: Haven's own (signed with the KeyRing, issued by the token endpoint and by
// `haven token`) and an outside authorization server's (AUTH_ISSUER + AUTH_JWKS_URL). Verification
// pins the algorithms per issuer, so `alg: none` and HS256-signed-with-the-public-key never pass.
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { grantFromClaims, type Grant } from './grant.js';
import { SIGNING_ALG, type KeyRing } from './keys.js';

/** Asymmetric algorithms accepted from an outside issuer. */
const EXTERNAL_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Tolerated clock difference between Haven and an issuer, in seconds. */
const CLOCK_TOLERANCE = 5;
/** How long a verified token is taken on trust, and how many are remembered (oldest forgotten first). */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

export interface TokenSettings {
  /** `iss` of Haven's own tokens. */
  issuer: string;
  /** Required `aud`: the FHIR base URL. */
  audience: string;
  external?: { issuer: string; jwksUrl: string };
}

export interface MintOptions {
  scope: string;
  ttlSeconds: number;
  patient?: string;
  fhirUser?: string;
  subject?: string;
  clientId?: string;
  /** SMART App Launch: the grant the token was issued from (revoking the grant ends the token). */
  grantId?: string;
  encounter?: string;
}

/** A token Haven accepts, signed with its current key. */
export async function mintAccessToken(keys: KeyRing, settings: TokenSettings, options: MintOptions): Promise<string> {
  const key = await keys.signingKey();
  const claims: JWTPayload = { scope: options.scope };
  if (options.patient) claims.patient = options.patient;
  if (options.fhirUser) claims.fhirUser = options.fhirUser;
  if (options.clientId) claims.client_id = options.clientId;
  if (options.grantId) claims.gid = options.grantId;
  if (options.encounter) claims.encounter = options.encounter;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(options.subject ?? options.clientId ?? 'haven')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

/** Why a bearer token was refused: the 401's diagnostics. */
export class TokenRejected extends Error {}

export class TokenVerifier {
  private readonly externalKeys?: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly keys: KeyRing,
    private readonly settings: TokenSettings,
    /** Whether a registered client may still use its tokens (revocation takes effect at once). */
    private readonly clientActive: (clientId: string) => Promise<boolean>,
    private readonly options: {
      jwksCooldownMs?: number;
      /** Whether a signed-in app's token was revoked (its grant, or itself): src/oauth/state.ts. */
      revoked?: (grant: Grant) => Promise<boolean>;
      /**
       * Resolves once every key rotation and revocation committed before the call is known here
       * (store/notifications.ts), so that the checks below may answer from memory.
       */
      settled?: () => Promise<void>;
    } = {},
  ) {
    if (settings.external) {
      // Cached; fetched again when a token names an unknown kid (after a short cool-down).
      this.externalKeys = createRemoteJWKSet(new URL(settings.external.jwksUrl), {
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: 5_000,
      });
    }
  }

  /**
   * Tokens verified lately, by their exact text: checking an RSA signature costs more CPU than a
   * whole read. An entry lives until the token expires and at most VERIFIED_TTL_MS (an outside
   * issuer's rotated keys); Haven's own signing key and client revocation are checked on every
   * request all the same (from memory while this process listens for their changes).
   */
  private readonly verified = new Map<string, { grant: Grant; until: number; signedBy?: { kid?: string } }>();

  async verify(token: string): Promise<Grant> {
    await this.options.settled?.();
    const grant = (await this.remembered(token)) ?? (await this.verifyFresh(token));
    // Outside the signature check: a database failure here is a 503, not a refused token.
    if (grant.clientId && grant.issuer === 'haven' && !(await this.clientActive(grant.clientId))) {
      throw new TokenRejected('The client this token was issued to has been revoked');
    }
    if (grant.grantId && grant.issuer === 'haven' && this.options.revoked && (await this.options.revoked(grant))) {
      throw new TokenRejected('The token has been revoked');
    }
    return grant;
  }

  /**
   * The grant of a token verified lately, while it has not expired and (for Haven's own tokens) the
   * key that signed it is still in service: a rotation that retires a key ends its tokens at once.
   */
  private async remembered(token: string): Promise<Grant | undefined> {
    const entry = this.verified.get(token);
    if (!entry || entry.until <= Date.now()) return undefined;
    if (entry.signedBy && !(await this.keys.verificationKey(entry.signedBy.kid))) return undefined;
    return entry.grant;
  }

  private async verifyFresh(token: string): Promise<Grant> {
    this.verified.delete(token);
    let alg: string | undefined;
    let iss: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      throw new TokenRejected('The bearer token is not a JWT');
    }
    let verified: { grant: Grant; signedBy?: { kid?: string } };
    let exp: number;
    try {
      verified = await this.verifySignedClaims(token, alg, iss);
      exp = decodeJwt(token).exp as number; // required and checked by jwtVerify
    } catch (error) {
      throw rejection(error);
    }
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { ...verified, until: Math.min(exp * 1000, Date.now() + VERIFIED_TTL_MS) });
    return verified.grant;
  }

  /** The grant, and for Haven's own tokens the kid of the key that verified it (see remembered). */
  private async verifySignedClaims(token: string, alg: string | undefined, iss: string | undefined): Promise<{ grant: Grant; signedBy?: { kid?: string } }> {
    if (iss === this.settings.issuer) {
      if (alg !== SIGNING_ALG) throw new TokenRejected(`Tokens of this server are signed ${SIGNING_ALG}, not ${alg}`);
      let kid: string | undefined;
      const { payload } = await jwtVerify(
        token,
        async (header: JWTHeaderParameters) => {
          const key = await this.keys.verificationKey(header.kid);
          if (!key) throw new TokenRejected('The token was signed with a key this server does not know');
          kid = header.kid;
          return key.publicKey;
        },
        this.verifyOptions(this.settings.issuer, [SIGNING_ALG]),
      );
      return { grant: grantFromClaims('haven', payload, this.settings.audience), signedBy: { kid } };
    }
    const external = this.settings.external;
    if (external && this.externalKeys && iss === external.issuer) {
      if (!alg || !EXTERNAL_ALGS.includes(alg)) throw new TokenRejected(`The token's algorithm ${alg} is not accepted`);
      const { payload } = await jwtVerify(token, this.externalKeys, this.verifyOptions(external.issuer, EXTERNAL_ALGS));
      return { grant: grantFromClaims('external', payload, this.settings.audience) };
    }
    throw new TokenRejected(
      `The token was issued by ${iss === undefined ? 'no issuer (no iss claim)' : `"${String(iss).slice(0, 200)}"`}, but this server expects "${this.settings.issuer}"${external ? ` or "${external.issuer}"` : ''}; a token made with \`haven token\` needs the server's BASE_URL (and PORT)`,
    );
  }

  private verifyOptions(issuer: string, algorithms: string[]) {
    return { issuer, audience: this.settings.audience, algorithms, clockTolerance: CLOCK_TOLERANCE, requiredClaims: ['exp'] };
  }
}

function rejection(error: unknown): TokenRejected {
  if (error instanceof TokenRejected) return error;
  if (error instanceof errors.JWTExpired) return new TokenRejected('The token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new TokenRejected('The token is not meant for this server (aud)');
    if (error.claim === 'nbf') return new TokenRejected('The token is not valid yet (nbf)');
    if (error.claim === 'exp') return new TokenRejected('The token has no expiry (exp)');
    return new TokenRejected(`The token's ${error.claim} claim is not accepted`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenRejected('The token signature is not valid');
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenRejected('The token was signed with a key the issuer does not publish');
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenRejected('The token algorithm is not accepted');
  if (error instanceof errors.JWKSTimeout || (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')) {
    return new TokenRejected('The keys of the token issuer could not be fetched');
  }
  if (error instanceof errors.JOSEError) return new TokenRejected('The token could not be verified');
  return new TokenRejected('The token could not be verified');
}
