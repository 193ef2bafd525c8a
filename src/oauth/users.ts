// Logins of people (clinicians, patients, relatives), kept in oauth_user. The password is only ever
// held as a scrypt hash (password.ts). Disabling a user revokes every grant they gave, so their
// apps' access and refresh tokens stop at once.
import { randomUUID } from 'node:crypto';
import { isReferenceTo } from '../grammar/reference.js';
import type { Queryable } from '../store/db.js';
import { hashPassword } from './password.js';

export interface UserRecord {
  username: string;
  fhirUser: string;
  subject: string;
  passwordHash: string;
  createdAt: Date;
  disabledAt?: Date;
}

interface UserRow {
  username: string;
  fhir_user: string;
  subject: string;
  password_hash: string;
  created_at: Date;
  disabled_at: Date | null;
}

export const USERNAME = /^[A-Za-z0-9._@-]{1,100}$/;
/** The people who sign in here: a fhirUser of these types (a narrower list than a token's fhirUser may name). */
const USER_TYPES = ['Practitioner', 'Patient', 'RelatedPerson'];
/** Passwords shorter than this are refused (NIST SP 800-63B: at least 8). */
export const MIN_PASSWORD_LENGTH = 8;
const COLUMNS = 'username, fhir_user, subject, password_hash, created_at, disabled_at';

export class UserError extends Error {}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new UserError(`The password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw new UserError('The password is too long');
}

export async function addUser(q: Queryable, username: string, fhirUser: string, password: string): Promise<UserRecord> {
  if (!USERNAME.test(username)) throw new UserError('The username may hold letters, digits and . _ @ - (at most 100)');
  if (!isReferenceTo(fhirUser, USER_TYPES)) throw new UserError('--fhir-user must be Practitioner/ID, Patient/ID or RelatedPerson/ID');
  checkPassword(password);
  const hash = await hashPassword(password);
  const { rows } = await q.query<UserRow>(
    `INSERT INTO oauth_user (username, password_hash, fhir_user, subject) VALUES ($1, $2, $3, $4)
     ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
    [username, hash, fhirUser, randomUUID()],
  );
  if (!rows[0]) throw new UserError(`A user named ${username} exists already`);
  return toUser(rows[0]);
}

export async function findUser(q: Queryable, username: string): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(`SELECT ${COLUMNS} FROM oauth_user WHERE username = $1`, [username]);
  return rows[0] && toUser(rows[0]);
}

export async function listUsers(q: Queryable): Promise<UserRecord[]> {
  const { rows } = await q.query<UserRow>(`SELECT ${COLUMNS} FROM oauth_user ORDER BY username`);
  return rows.map(toUser);
}

/** Disables the user and revokes what they granted; false when there is no such user. */
export async function disableUser(q: Queryable, username: string): Promise<boolean> {
  const { rows } = await q.query(
    `WITH disabled AS (UPDATE oauth_user SET disabled_at = coalesce(disabled_at, now()) WHERE username = $1 RETURNING username),
          grants AS (UPDATE oauth_grant SET revoked_at = now(), revoked_why = 'user disabled'
                      WHERE username IN (SELECT username FROM disabled) AND revoked_at IS NULL),
          sessions AS (UPDATE oauth_session SET ended_at = now() WHERE username IN (SELECT username FROM disabled) AND ended_at IS NULL)
     SELECT 1 FROM disabled`,
    [username],
  );
  return rows.length > 0;
}

export async function setPassword(q: Queryable, username: string, password: string): Promise<boolean> {
  checkPassword(password);
  return storeHash(q, username, await hashPassword(password));
}

/** Replaces the stored hash (a new password, or a rehash with today's parameters at login). */
export async function storeHash(q: Queryable, username: string, hash: string): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE oauth_user SET password_hash = $2 WHERE username = $1', [username, hash]);
  return rowCount > 0;
}

function toUser(row: UserRow): UserRecord {
  return {
    username: row.username,
    fhirUser: row.fhir_user,
    subject: row.subject,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    ...(row.disabled_at ? { disabledAt: row.disabled_at } : {}),
  };
}
