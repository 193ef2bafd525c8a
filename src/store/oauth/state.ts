// Every piece of sign-in state, in PostgreSQL (migrations/005_oauth.sql), so that any instance
// serves any step: pending authorization requests, login sessions, grants, codes, refresh tokens,
// revoked access tokens and launch handles. Secrets arrive here already hashed (secrets.ts).
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db.js';

/** A validated authorization request waiting for the person (login, patient, consent). */
export interface PendingRequest {
  id: string;
  csrfToken: string;
  browserHash: Buffer;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge: string;
  nonce?: string;
  launchPatient?: string;
  launchEncounter?: string;
  username?: string;
  sessionHash?: Buffer;
  patient?: string;
}

/** Pending requests live 30 minutes: long enough to type a password, not a day. */
export const PENDING_TTL_SECONDS = 1800;

export async function createPending(q: Queryable, p: Omit<PendingRequest, 'username' | 'sessionHash' | 'patient'>): Promise<void> {
  await q.query(
    `WITH expired AS (DELETE FROM oauth_pending WHERE expires_at < now())
     INSERT INTO oauth_pending (id, csrf_token, browser_hash, client_id, redirect_uri, scope, state, code_challenge, nonce,
        launch_patient, launch_encounter, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now() + make_interval(secs => $12))`,
    [
      p.id,
      p.csrfToken,
      p.browserHash,
      p.clientId,
      p.redirectUri,
      p.scope,
      p.state,
      p.codeChallenge,
      p.nonce ?? null,
      p.launchPatient ?? null,
      p.launchEncounter ?? null,
      PENDING_TTL_SECONDS,
    ],
  );
}

interface PendingRow {
  id: string;
  csrf_token: string;
  browser_hash: Uint8Array;
  client_id: string;
  redirect_uri: string;
  scope: string;
  state: string;
  code_challenge: string;
  nonce: string | null;
  launch_patient: string | null;
  launch_encounter: string | null;
  username: string | null;
  session_hash: Uint8Array | null;
  patient: string | null;
}

export async function findPending(q: Queryable, id: string): Promise<PendingRequest | undefined> {
  const { rows } = await q.query<PendingRow>('SELECT * FROM oauth_pending WHERE id = $1 AND expires_at > now()', [id]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: r.id,
    csrfToken: r.csrf_token,
    browserHash: Buffer.from(r.browser_hash),
    clientId: r.client_id,
    redirectUri: r.redirect_uri,
    scope: r.scope,
    state: r.state,
    codeChallenge: r.code_challenge,
    ...(r.nonce !== null ? { nonce: r.nonce } : {}),
    ...(r.launch_patient ? { launchPatient: r.launch_patient } : {}),
    ...(r.launch_encounter ? { launchEncounter: r.launch_encounter } : {}),
    ...(r.username ? { username: r.username } : {}),
    ...(r.session_hash ? { sessionHash: Buffer.from(r.session_hash) } : {}),
    ...(r.patient ? { patient: r.patient } : {}),
  };
}

export async function signInPending(q: Queryable, id: string, username: string, sessionHash: Buffer): Promise<void> {
  await q.query('UPDATE oauth_pending SET username = $2, session_hash = $3 WHERE id = $1', [id, username, sessionHash]);
}

export async function choosePatient(q: Queryable, id: string, patient: string): Promise<void> {
  await q.query('UPDATE oauth_pending SET patient = $2 WHERE id = $1', [id, patient]);
}

/** Ends a pending request; true when this call ended it (a double submit gets false). */
export async function finishPending(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM oauth_pending WHERE id = $1', [id]);
  return rowCount > 0;
}

/** Sessions live 8 hours: a clinic's working day. */
export const SESSION_TTL_SECONDS = 8 * 3600;

export async function createSession(q: Queryable, hash: Buffer, username: string): Promise<void> {
  await q.query(
    `WITH expired AS (DELETE FROM oauth_session WHERE expires_at < now() - interval '1 day')
     INSERT INTO oauth_session (hash, username, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`,
    [hash, username, SESSION_TTL_SECONDS],
  );
}

export async function findSession(q: Queryable, hash: Buffer): Promise<{ username: string; authTime: Date } | undefined> {
  const { rows } = await q.query<{ username: string; auth_time: Date }>(
    `SELECT s.username, s.auth_time FROM oauth_session s JOIN oauth_user u USING (username)
      WHERE s.hash = $1 AND s.expires_at > now() AND s.ended_at IS NULL AND u.disabled_at IS NULL`,
    [hash],
  );
  return rows[0] && { username: rows[0].username, authTime: rows[0].auth_time };
}

/** Logout: the session ends, and with it every online_access grant that lived with it. */
export async function endSession(q: Queryable, hash: Buffer): Promise<void> {
  await q.query(
    `WITH ended AS (UPDATE oauth_session SET ended_at = now() WHERE hash = $1 AND ended_at IS NULL RETURNING hash)
     UPDATE oauth_grant SET revoked_at = now(), revoked_why = 'logout'
      WHERE session_hash IN (SELECT hash FROM ended) AND revoked_at IS NULL`,
    [hash],
  );
}

export interface GrantRecord {
  id: string;
  clientId: string;
  username: string;
  fhirUser: string;
  subject: string;
  scope: string;
  patient?: string;
  encounter?: string;
  sessionHash?: Buffer;
  authTime: Date;
  revokedAt?: Date;
}

export interface NewGrant {
  clientId: string;
  username: string;
  scope: string;
  patient?: string;
  encounter?: string;
  sessionHash?: Buffer;
  authTime: Date;
}

/** Codes live 60 seconds (SMART: about a minute). */
export const CODE_TTL_SECONDS = 60;

/** The grant and its authorization code, in one statement. */
export async function createGrantWithCode(
  q: Queryable,
  grant: NewGrant,
  code: { hash: Buffer; redirectUri: string; codeChallenge: string; nonce?: string },
): Promise<string> {
  const id = randomUUID();
  await q.query(
    `WITH expired AS (DELETE FROM oauth_code WHERE expires_at < now() - interval '1 day'),
          g AS (INSERT INTO oauth_grant (id, client_id, username, scope, patient, encounter, session_hash, auth_time)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id)
     INSERT INTO oauth_code (hash, grant_id, redirect_uri, code_challenge, nonce, expires_at)
     SELECT $9, g.id, $10, $11, $12, now() + make_interval(secs => $13) FROM g`,
    [
      id,
      grant.clientId,
      grant.username,
      grant.scope,
      grant.patient ?? null,
      grant.encounter ?? null,
      grant.sessionHash ?? null,
      grant.authTime.toISOString(),
      code.hash,
      code.redirectUri,
      code.codeChallenge,
      code.nonce ?? null,
      CODE_TTL_SECONDS,
    ],
  );
  return id;
}

const GRANT_COLUMNS = `g.id, g.client_id, g.username, u.fhir_user, u.subject, g.scope, g.patient, g.encounter, g.session_hash,
  g.auth_time, g.revoked_at`;

interface GrantRow {
  id: string;
  client_id: string;
  username: string;
  fhir_user: string;
  subject: string;
  scope: string;
  patient: string | null;
  encounter: string | null;
  session_hash: Uint8Array | null;
  auth_time: Date;
  revoked_at: Date | null;
}

function toGrant(r: GrantRow): GrantRecord {
  return {
    id: r.id,
    clientId: r.client_id,
    username: r.username,
    fhirUser: r.fhir_user,
    subject: r.subject,
    scope: r.scope,
    ...(r.patient ? { patient: r.patient } : {}),
    ...(r.encounter ? { encounter: r.encounter } : {}),
    ...(r.session_hash ? { sessionHash: Buffer.from(r.session_hash) } : {}),
    authTime: r.auth_time,
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  };
}

export type CodeRedemption =
  | { kind: 'ok'; grant: GrantRecord; redirectUri: string; codeChallenge: string; nonce?: string }
  | { kind: 'unknown' }
  | { kind: 'expired' }
  /** The code was used before: the grant it started has been revoked now (RFC 6749 4.1.2). */
  | { kind: 'replayed'; grantId: string; clientId: string };

/** Consumes a code atomically: of two concurrent redemptions only one gets 'ok'. */
export async function redeemCode(q: Queryable, hash: Buffer): Promise<CodeRedemption> {
  const { rows } = await q.query<GrantRow & { redirect_uri: string; code_challenge: string; nonce: string | null }>(
    `WITH used AS (UPDATE oauth_code SET used_at = now() WHERE hash = $1 AND used_at IS NULL AND expires_at > now()
                   RETURNING grant_id, redirect_uri, code_challenge, nonce)
     SELECT ${GRANT_COLUMNS}, used.redirect_uri, used.code_challenge, used.nonce
       FROM used JOIN oauth_grant g ON g.id = used.grant_id JOIN oauth_user u ON u.username = g.username`,
    [hash],
  );
  if (rows[0]) {
    const r = rows[0];
    return { kind: 'ok', grant: toGrant(r), redirectUri: r.redirect_uri, codeChallenge: r.code_challenge, ...(r.nonce !== null ? { nonce: r.nonce } : {}) };
  }
  const { rows: seen } = await q.query<{ grant_id: string; client_id: string; used: boolean }>(
    `SELECT c.grant_id, g.client_id, c.used_at IS NOT NULL AS used FROM oauth_code c JOIN oauth_grant g ON g.id = c.grant_id WHERE c.hash = $1`,
    [hash],
  );
  if (!seen[0]) return { kind: 'unknown' };
  if (!seen[0].used) return { kind: 'expired' };
  await revokeGrant(q, seen[0].grant_id, 'authorization code replayed');
  return { kind: 'replayed', grantId: seen[0].grant_id, clientId: seen[0].client_id };
}

export async function findGrant(q: Queryable, id: string): Promise<GrantRecord | undefined> {
  const { rows } = await q.query<GrantRow>(`SELECT ${GRANT_COLUMNS} FROM oauth_grant g JOIN oauth_user u ON u.username = g.username WHERE g.id = $1`, [id]);
  return rows[0] && toGrant(rows[0]);
}

export async function revokeGrant(q: Queryable, id: string, why: string): Promise<void> {
  await q.query('UPDATE oauth_grant SET revoked_at = now(), revoked_why = $2 WHERE id = $1 AND revoked_at IS NULL', [id, why]);
}

/** offline_access refresh tokens live 90 days from their last rotation; online_access ones as long as the session. */
export const OFFLINE_REFRESH_TTL_SECONDS = 90 * 86400;

export async function storeRefreshToken(q: Queryable, hash: Buffer, grantId: string, scope: string, ttlSeconds: number): Promise<void> {
  await q.query(`INSERT INTO oauth_refresh_token (hash, grant_id, scope, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`, [
    hash,
    grantId,
    scope,
    ttlSeconds,
  ]);
}

export type RefreshUse =
  | { kind: 'ok'; grant: GrantRecord; scope: string }
  | { kind: 'unknown' }
  /** A retired token came back: it was copied; the whole grant is revoked now. */
  | { kind: 'reused'; grant: GrantRecord };

/** Retires a refresh token atomically and hands back its grant; the caller issues the next one. */
export async function useRefreshToken(q: Queryable, hash: Buffer): Promise<RefreshUse> {
  const { rows } = await q.query<GrantRow & { token_scope: string }>(
    `WITH used AS (UPDATE oauth_refresh_token SET retired_at = now() WHERE hash = $1 AND retired_at IS NULL AND expires_at > now()
                   RETURNING grant_id, scope)
     SELECT ${GRANT_COLUMNS}, used.scope AS token_scope
       FROM used JOIN oauth_grant g ON g.id = used.grant_id JOIN oauth_user u ON u.username = g.username`,
    [hash],
  );
  if (rows[0]) return { kind: 'ok', grant: toGrant(rows[0]), scope: rows[0].token_scope };
  const { rows: retired } = await q.query<GrantRow>(
    `SELECT ${GRANT_COLUMNS} FROM oauth_refresh_token t JOIN oauth_grant g ON g.id = t.grant_id JOIN oauth_user u ON u.username = g.username
      WHERE t.hash = $1 AND t.retired_at IS NOT NULL`,
    [hash],
  );
  if (!retired[0]) return { kind: 'unknown' };
  await revokeGrant(q, retired[0].id, 'refresh token reused');
  return { kind: 'reused', grant: toGrant(retired[0]) };
}

/** The grant of a live refresh token without using it (introspection, revocation). */
export async function refreshTokenGrant(q: Queryable, hash: Buffer): Promise<(GrantRecord & { tokenScope: string; expiresAt: Date }) | undefined> {
  const { rows } = await q.query<GrantRow & { token_scope: string; expires_at: Date }>(
    `SELECT ${GRANT_COLUMNS}, t.scope AS token_scope, t.expires_at FROM oauth_refresh_token t
       JOIN oauth_grant g ON g.id = t.grant_id JOIN oauth_user u ON u.username = g.username
      WHERE t.hash = $1 AND t.retired_at IS NULL AND t.expires_at > now()`,
    [hash],
  );
  return rows[0] && { ...toGrant(rows[0]), tokenScope: rows[0].token_scope, expiresAt: rows[0].expires_at };
}

/** Whether an access token is revoked: its grant, or the token itself by jti. */
export async function isAccessRevoked(q: Queryable, grantId: string | undefined, jti: string | undefined): Promise<boolean> {
  const { rows } = await q.query<{ revoked: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM oauth_grant WHERE id::text = $1 AND revoked_at IS NOT NULL)
         OR EXISTS (SELECT 1 FROM oauth_revoked_token WHERE jti = $2) AS revoked`,
    [grantId ?? null, jti ?? null],
  );
  return rows[0].revoked;
}

export async function revokeAccessToken(q: Queryable, jti: string, expiresAt: Date): Promise<void> {
  await q.query(
    `WITH expired AS (DELETE FROM oauth_revoked_token WHERE expires_at < now())
     INSERT INTO oauth_revoked_token (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING`,
    [jti, expiresAt.toISOString()],
  );
}

/** EHR launch handles live 15 minutes. */
export const LAUNCH_TTL_SECONDS = 900;

export async function createLaunch(
  q: Queryable,
  hash: Buffer,
  launch: { patient: string; encounter?: string; clientId?: string; createdBy?: string },
): Promise<void> {
  await q.query(
    `WITH expired AS (DELETE FROM oauth_launch WHERE expires_at < now())
     INSERT INTO oauth_launch (hash, patient, encounter, client_id, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [hash, launch.patient, launch.encounter ?? null, launch.clientId ?? null, launch.createdBy ?? null, LAUNCH_TTL_SECONDS],
  );
}

export async function findLaunch(q: Queryable, hash: Buffer): Promise<{ patient: string; encounter?: string; clientId?: string } | undefined> {
  const { rows } = await q.query<{ patient: string; encounter: string | null; client_id: string | null }>(
    'SELECT patient, encounter, client_id FROM oauth_launch WHERE hash = $1 AND expires_at > now()',
    [hash],
  );
  const r = rows[0];
  return r && { patient: r.patient, ...(r.encounter ? { encounter: r.encounter } : {}), ...(r.client_id ? { clientId: r.client_id } : {}) };
}
