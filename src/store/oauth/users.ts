// The oauth_user table: people's logins (the rules for usernames and passwords are oauth/users.ts's).
// Disabling a user revokes every grant they gave and ends their sessions, in one statement.
import type { Queryable } from '../db.js';

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

const COLUMNS = 'username, fhir_user, subject, password_hash, created_at, disabled_at';

/** Inserts a user; undefined when the username is taken. */
export async function insertUser(
  q: Queryable,
  user: { username: string; passwordHash: string; fhirUser: string; subject: string },
): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(
    `INSERT INTO oauth_user (username, password_hash, fhir_user, subject) VALUES ($1, $2, $3, $4)
     ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
    [user.username, user.passwordHash, user.fhirUser, user.subject],
  );
  return rows[0] && toUser(rows[0]);
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
