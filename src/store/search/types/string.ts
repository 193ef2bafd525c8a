// String values: prefix (the default) and :contains over the normalised form, :exact over the text
// as written. The SQL condition and the Node test side by side; both take the value already
// normalised by the parser (normalizeString, the function extraction applies to stored values).
import type { Bind } from './token.js';

export type StringMode = 'prefix' | 'contains';

/** SQL: `column` (a normalised text) starts with / contains `normalized`, taken literally. */
export function stringSql(column: string, normalized: string, mode: StringMode, bind: Bind): string {
  const escaped = normalized.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  return `${column} LIKE ${bind(mode === 'prefix' ? `${escaped}%` : `%${escaped}%`)}`;
}

/** Node: the same test on a row's normalised text (NULL matches nothing, as in SQL). */
export function stringMatches(norm: string | null, normalized: string, mode: StringMode): boolean {
  if (norm === null) return false;
  return mode === 'prefix' ? norm.startsWith(normalized) : norm.includes(normalized);
}

/** SQL :exact: the text as written. */
export function exactSql(column: string, value: string, bind: Bind): string {
  return `(${column} = ${bind(value)})`;
}

export function exactMatches(text: string, value: string): boolean {
  return text === value;
}
