// Login throttling in PostgreSQL (every instance sees the same counters). Only failed sign-ins
// count: a clinic's fifty clinicians signing in at nine from one address behind its router do not
// add up, while someone guessing does. Past the limit each further failure doubles a delay (up to
// 15 minutes) instead of locking the account: a lockout would let anyone lock a clinician out.
import type { Queryable } from '../db.js';

export interface ThrottleRule {
  /** Failures allowed in a window before delays begin. */
  limit: number;
  windowSeconds: number;
}

/** Per username: 5 failures in 15 minutes (reference/smart-app-launch.md 11). */
export const PER_USER: ThrottleRule = { limit: 5, windowSeconds: 900 };
/** Per address: generous, because many people share one address; it stops guessing across names. */
export const PER_ADDRESS: ThrottleRule = { limit: 50, windowSeconds: 900 };
const MAX_DELAY_SECONDS = 900;
/** The delay after the limit is reached; it doubles with each further failure. */
const FIRST_DELAY_SECONDS = 30;

export const userKey = (username: string) => `user:${username.toLowerCase()}`;
export const addressKey = (address: string) => `addr:${address}`;

/** Seconds until a sign-in may be tried again for any of these keys; 0 when it may now. */
export async function retryAfter(q: Queryable, keys: string[]): Promise<number> {
  const { rows } = await q.query<{ wait: number | null }>(
    `SELECT ceil(extract(epoch FROM max(blocked_until) - now()))::int AS wait FROM oauth_login_throttle
      WHERE key = ANY($1::text[]) AND blocked_until > now()`,
    [keys],
  );
  return Math.max(0, rows[0]?.wait ?? 0);
}

/** Counts a failure; past the limit the key is blocked for a delay that doubles with each failure. */
export async function recordFailure(q: Queryable, key: string, rule: ThrottleRule): Promise<void> {
  await q.query(
    `INSERT INTO oauth_login_throttle AS t (key, failures, window_start) VALUES ($1, 1, now())
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
       window_start = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN now() ELSE t.window_start END,
       blocked_until = CASE WHEN t.window_start < now() - make_interval(secs => $2) OR t.failures + 1 < $3 THEN NULL
         ELSE now() + make_interval(secs => least($4, $5 * power(2, least(t.failures + 1 - $3, 20)))) END`,
    [key, rule.windowSeconds, rule.limit, MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS],
  );
}

/** A successful sign-in clears the username's failures (never the address's). */
export async function clearFailures(q: Queryable, key: string): Promise<void> {
  await q.query('DELETE FROM oauth_login_throttle WHERE key = $1', [key]);
}
