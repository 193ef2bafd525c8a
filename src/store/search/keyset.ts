// Keyset paging: the rows strictly after (or before) a cursor in the order of the sort keys and rid.
import type { Statement } from '../statement.js';
import type { SearchCursor } from './request.js';

/**
 * Rows strictly after (or before) the cursor in the order (k0, k1, ..., rid), with NULL sort values
 * last: the lexicographic comparison written out, because row comparison does not order NULLs.
 */
export function keysetCondition(stmt: Statement, keys: Array<{ cast: string; descending: boolean }>, cursor: SearchCursor): string {
  const before = cursor.direction === 'before';
  const key = (i: number) => `m.k${i}`;
  const value = (i: number) => `${stmt.param(cursor.keys[i])}::${keys[i].cast}`;
  const equal = (i: number) => (cursor.keys[i] === null ? `${key(i)} IS NULL` : `${key(i)} = ${value(i)}`);
  const beyond = (i: number) => {
    const greater = keys[i].descending === before;
    if (cursor.keys[i] === null) return before ? `${key(i)} IS NOT NULL` : 'FALSE';
    const cmp = `${key(i)} ${greater ? '>' : '<'} ${value(i)}`;
    return before ? cmp : `(${cmp} OR ${key(i)} IS NULL)`;
  };
  const alternatives: string[] = [];
  for (let i = 0; i <= keys.length; i++) {
    const prefix = Array.from({ length: i }, (_v, j) => equal(j));
    const last = i < keys.length ? beyond(i) : `m.rid ${before ? '<' : '>'} ${stmt.param(cursor.rid)}`;
    alternatives.push([...prefix, last].join(' AND '));
  }
  return `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}
