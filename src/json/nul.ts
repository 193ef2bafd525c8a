// Where a NUL character (\u0000) sits in a JSON value: PostgreSQL text and jsonb cannot hold one,
// so every write refuses it, naming the element.

/** The FHIRPath-style location of the first string or key holding NUL, if any. */
export function findNul(value: unknown, at: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? at : undefined;
  if (!value || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value)) {
    // eslint-disable-next-line no-control-regex -- a NUL in a key is exactly what is being escaped
    const name = key.replace(/\u0000/g, '\\u0000');
    if (name !== key) return `${at}.${name}`;
    const found = findNul(v, `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}
