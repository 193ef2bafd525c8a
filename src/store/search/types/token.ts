// Token values (`[system|]code`): the SQL condition on an index row and the same test in Node, side
// by side so that searches and query restrictions cannot read a token differently.
import type { TokenValue } from '../request.js';

/** Binds a value into the statement and returns its placeholder. */
export type Bind = (value: unknown) => string;

/** The token columns of an index row (search_token, the key or second part of search_composite). */
export interface TokenColumns {
  system: string | null;
  code: string | null;
}

/** SQL: the row `x` carries `v` (system undefined: any system; null: no system). */
export function tokenSql(v: TokenValue, x: string, bind: Bind): string {
  const parts: string[] = [];
  if (v.code !== undefined) parts.push(`${x}.code = ${bind(v.code)}`);
  if (v.system === null) parts.push(`${x}.system IS NULL`);
  else if (v.system !== undefined) parts.push(`${x}.system = ${bind(v.system)}`);
  return parts.length ? `(${parts.join(' AND ')})` : 'TRUE';
}

/** Node: the same test on an extracted row. */
export function tokenMatches(v: TokenValue, row: TokenColumns): boolean {
  if (v.code !== undefined && row.code !== v.code) return false;
  if (v.system === null) return row.system === null;
  if (v.system !== undefined) return row.system === v.system;
  return true;
}

/** A `:of-type` value: the identifier's type (system and code) and its value. */
export interface OfTypeValue {
  typeSystem: string;
  typeCode: string;
  value: string;
}

/** SQL: the of-type row `x` (system "typeSystem|typeCode", code the identifier's value). */
export function ofTypeSql(v: OfTypeValue, x: string, bind: Bind): string {
  return `(${x}.system = ${bind(`${v.typeSystem}|${v.typeCode}`)} AND ${x}.code = ${bind(v.value)})`;
}

export function ofTypeMatches(v: OfTypeValue, row: TokenColumns): boolean {
  return row.system === `${v.typeSystem}|${v.typeCode}` && row.code === v.value;
}
