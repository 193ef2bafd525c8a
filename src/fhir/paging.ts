// Page size and opaque page cursors, shared by history and the AuditEvent view (the wire format is
// src/grammar/cursor.ts, which search cursors use too).
import type { Config } from '../config.js';
import { FhirError } from '../errors.js';
import { decodeCursor as readCursor, encodeCursor } from '../grammar/cursor.js';

export { encodeCursor };

/** _count: the page size asked for, capped at the configured maximum. 0 asks for no entries. */
export function pageSize(config: Config, raw: string | undefined): number {
  if (raw === undefined) return config.defaultPageSize;
  if (!/^\d{1,6}$/.test(raw)) throw FhirError.badRequest('invalid-parameter', `_count must be a whole number, got "${raw.slice(0, 20)}"`, ['_count']);
  return Math.min(Number(raw), config.maxPageSize);
}

/** The cursor's value, or a 400 when it does not decode or has not the shape `check` wants. */
export function decodeCursor<T>(raw: string, check: (value: unknown) => value is T): T {
  const value = readCursor(raw, check);
  if (value === undefined) throw FhirError.badRequest('invalid-cursor', 'The paging cursor is not valid; start again from the first page', ['_cursor']);
  return value;
}
