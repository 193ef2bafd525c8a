// Quantity values (`[prefix]number[|system|code]`): the number rule on the value, and the unit by
// system and code, or by code or display unit when no system is given. SQL and Node side by side.
import type { QuantityValue } from '../request.js';
import { numberMatches, numberSql } from './number.js';
import type { Bind } from './token.js';

export interface QuantityColumns {
  value: string | null;
  system: string | null;
  code: string | null;
  /** Absent where the table has no unit column (search_composite). */
  unit?: string | null;
}

/** SQL over the quantity columns of `x`; `hasUnit` false where the table has no unit column. */
export function quantitySql(v: QuantityValue, x: string, bind: Bind, hasUnit = true): string {
  const parts = [numberSql(v, `${x}.value`, bind)];
  if (v.system !== undefined) parts.push(`${x}.system = ${bind(v.system)}`);
  if (v.code !== undefined) {
    const code = bind(v.code);
    parts.push(v.system !== undefined || !hasUnit ? `${x}.code = ${code}` : `(${x}.code = ${code} OR ${x}.unit = ${code})`);
  }
  return `(${parts.join(' AND ')})`;
}

/** Node: the same test on an extracted row. */
export function quantityMatches(v: QuantityValue, row: QuantityColumns): boolean {
  if (!numberMatches(v, row.value)) return false;
  if (v.system !== undefined && row.system !== v.system) return false;
  if (v.code !== undefined) {
    const byUnit = v.system === undefined && row.unit !== undefined && row.unit === v.code;
    if (row.code !== v.code && !byUnit) return false;
  }
  return true;
}
