// Uri values: exact, :below (a prefix of the stored URI) and :above (the stored URI is the value or
// one of its parent paths). SQL and Node side by side, with one list of parents.
import type { Bind } from './token.js';

export type UriMode = 'exact' | 'below' | 'above';

/** The value and its parent paths, each with and without a trailing slash (:above). */
export function uriParents(value: string): string[] {
  const parents: string[] = [];
  let current = value.replace(/\/+$/, '');
  while (current.length > 0) {
    parents.push(current, `${current}/`);
    const at = current.lastIndexOf('/');
    if (at <= current.indexOf('//') + 1) break;
    current = current.slice(0, at);
  }
  return parents;
}

/** SQL over the uri column of `x`. */
export function uriSql(value: string, mode: UriMode, x: string, bind: Bind): string {
  if (mode === 'below') return `${x}.uri LIKE ${bind(value.replace(/[\\%_]/g, (ch) => `\\${ch}`) + '%')}`;
  if (mode === 'above') return `${x}.uri = ANY(${bind(uriParents(value))}::text[])`;
  return `${x}.uri = ${bind(value)}`;
}

/** Node: the same test on a stored URI. */
export function uriMatches(value: string, mode: UriMode, uri: string): boolean {
  if (mode === 'below') return uri.startsWith(value);
  if (mode === 'above') return uriParents(value).includes(uri);
  return uri === value;
}
