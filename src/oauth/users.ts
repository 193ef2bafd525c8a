// Logins of people (clinicians, patients, relatives), kept in oauth_user. The password is only ever
// held as a scrypt hash (password.ts). Disabling a user revokes every grant they gave, so their
// apps' access and refresh tokens stop at once.
import { randomUUID } from 'node:crypto';
import { isReferenceTo } from '../grammar/reference.js';
import type { Queryable } from '../store/db.js';
import { insertUser, storeHash, type UserRecord } from '../store/oauth/users.js';
import { hashPassword } from './password.js';

// The table's reads and writes are the store's; the rules for names and passwords are here.
export { disableUser, findUser, listUsers, storeHash, type UserRecord } from '../store/oauth/users.js';

export const USERNAME = /^[A-Za-z0-9._@-]{1,100}$/;
/** The people who sign in here: a fhirUser of these types (a narrower list than a token's fhirUser may name). */
const USER_TYPES = ['Practitioner', 'Patient', 'RelatedPerson'];
/** Passwords shorter than this are refused (NIST SP 800-63B: at least 8). */
export const MIN_PASSWORD_LENGTH = 8;
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
  const user = await insertUser(q, { username, passwordHash: hash, fhirUser, subject: randomUUID() });
  if (!user) throw new UserError(`A user named ${username} exists already`);
  return user;
}

export async function setPassword(q: Queryable, username: string, password: string): Promise<boolean> {
  checkPassword(password);
  return storeHash(q, username, await hashPassword(password));
}
