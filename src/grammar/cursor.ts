// Page cursors: opaque to clients, on the wire base64url of JSON. Search, history and the
// AuditEvent view each put their own keyset position in one and check its shape when it returns.

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The value of a cursor when it decodes and passes `check`; undefined for anything else. */
export function decodeCursor<T>(raw: string, check: (value: unknown) => value is T): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return check(value) ? value : undefined;
}
