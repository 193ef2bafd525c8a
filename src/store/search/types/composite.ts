// Composite values (`key$second`): a token key and a second part of one of the other types, both
// in one search_composite row. The SQL condition and the Node test side by side, built from the
// other types' rules.
import type { CompositeValue } from '../request.js';
import type { CompositeRow } from '../rows.js';
import { dateMatches, dateSql, instantOf } from './date.js';
import { quantityMatches, quantitySql } from './quantity.js';
import { stringMatches, stringSql } from './string.js';
import { tokenMatches, tokenSql, type Bind } from './token.js';

/** SQL over the composite row `x`. */
export function compositeSql(v: CompositeValue, x: string, bind: Bind, now: number): string {
  const parts = [`${x}.key_code = ${bind(v.key.code)}`];
  if (v.key.system === null) parts.push(`${x}.key_system IS NULL`);
  else if (v.key.system !== undefined) parts.push(`${x}.key_system = ${bind(v.key.system)}`);
  if (v.token) parts.push(tokenSql(v.token, x, bind));
  // search_composite has no unit column: a unit without a system is matched by its code.
  if (v.quantity) parts.push(quantitySql(v.quantity, x, bind, false));
  if (v.date) parts.push(`${x}.low IS NOT NULL AND ${dateSql(v.date, `${x}.low`, `${x}.high`, bind, now)}`);
  if (v.string !== undefined) parts.push(stringSql(`${x}.norm`, v.string, 'prefix', bind));
  return `(${parts.join(' AND ')})`;
}

/** Node: the same test on an extracted composite row. */
export function compositeMatches(v: CompositeValue, row: CompositeRow, now: number): boolean {
  if (!tokenMatches(v.key, { system: row.keySystem, code: row.keyCode })) return false;
  if (v.token && !tokenMatches(v.token, row)) return false;
  if (v.quantity && !quantityMatches(v.quantity, { value: row.value, system: row.system, code: row.code })) return false;
  if (v.date && (row.low === null || row.high === null || !dateMatches(v.date, instantOf(row.low), instantOf(row.high), now))) return false;
  if (v.string !== undefined && !stringMatches(row.norm, v.string, 'prefix')) return false;
  return true;
}
