// Page size and opaque page cursors, shared by history and search.
import type { Config } from '../config.js';
import { FhirError } from '../errors.js';

/** _count: the page size asked for, capped at the configured maximum. 0 asks for no entries. */
export function pageSize(config: Config, raw: string | undefined): number {
  if (raw === undefined) return config.defaultPageSize;
  if (!/^\d{1,6}$/.test(raw)) throw FhirError.badRequest('invalid-parameter', `_count must be a whole number, got "${raw.slice(0, 20)}"`, ['_count']);
  return Math.min(Number(raw), config.maxPageSize);
}

/** Cursors are opaque to clients: base64url JSON. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(raw: string, check: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!check(value)) throw FhirError.badRequest('invalid-cursor', 'The paging cursor is not valid; start again from the first page', ['_cursor']);
  return value;
}
