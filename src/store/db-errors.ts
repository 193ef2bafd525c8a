// What a database failure means, decided once, here: every other layer asks `dbFailure(error)` and
// maps the category to its own answer (the HTTP edge to a status, a Bundle entry to its outcome, the
// pool to dropping a client). SQLSTATEs: https://www.postgresql.org/docs/current/errcodes-appendix.html

/**
 * - duplicate: a unique constraint refused the row (23505);
 * - concurrent: serialization failure or deadlock (40001, 40P01): the same request may succeed
 *   when retried;
 * - timeout: statement_timeout cancelled the statement (57014);
 * - invalid-input: a value PostgreSQL cannot use (class 22: out of range, wrong format);
 * - unavailable: the database cannot be reached or refuses work (class 08, 57P01 admin shutdown,
 *   53300 too many connections, ECONNREFUSED).
 */
export type DbFailure = 'duplicate' | 'concurrent' | 'timeout' | 'invalid-input' | 'unavailable';

/** The category of a database error; undefined for anything that is no known database failure. */
export function dbFailure(error: unknown): DbFailure | undefined {
  const code = errorCode(error);
  if (code === undefined) return undefined;
  if (code === '23505') return 'duplicate';
  if (code === '40001' || code === '40P01') return 'concurrent';
  if (code === '57014') return 'timeout';
  if (SQLSTATE.test(code) && code.startsWith('22')) return 'invalid-input';
  if ((SQLSTATE.test(code) && code.startsWith('08')) || code === '57P01' || code === '53300' || code === 'ECONNREFUSED') return 'unavailable';
  return undefined;
}

/**
 * A failure after which a pooled connection is unusable (reset, closed, terminated by the server):
 * the client is dropped rather than returned to the pool. Narrower than `unavailable`: a refused
 * connection or a full server never handed out a client to drop.
 */
export function connectionLost(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ECONNRESET' || code === 'EPIPE' || code === '57P01' || code === '08006' || code === '08003';
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The `code` of a driver error: a SQLSTATE from PostgreSQL or PGlite, or a Node socket error code. */
function errorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  return undefined;
}
