// Quantity parameters (`[prefix]number[|system|code]`): the number rule on the value, and the unit
// by system and code, or by code or display unit when no system is given. Parsing, index rows, the
// SQL condition, the Node test and the sort, in one place.
import { FhirError } from '../../../errors.js';
import { splitEscaped, unescapeSearchValue as unescape } from '../../../grammar/search-value.js';
import type { TypedValue } from '../path.js';
import type { Criterion, QuantityValue } from '../request.js';
import type { QuantityRow } from '../rows.js';
import { decimalString, numberMatches, numberSql, parseNumber } from './number.js';
import { anyOf, type Bind, type SearchParameterType } from './parameter-type.js';

type QuantityCriterion = Extract<Criterion, { kind: 'quantity' }>;

const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Duration', 'Distance', 'Count', 'SimpleQuantity', 'MoneyQuantity']);

export interface QuantityColumns {
  value: string | null;
  system: string | null;
  code: string | null;
  /** Absent where the table has no unit column (search_composite). */
  unit?: string | null;
}

export function parseQuantity(name: string, raw: string): QuantityValue {
  const parts = splitEscaped(raw, '|');
  if (parts.length !== 1 && parts.length !== 3) {
    throw FhirError.badRequest('invalid-search-value', `Parameter "${name}": a quantity is [prefix]number[|system|code], got "${raw.slice(0, 80)}"`, [name]);
  }
  const number = parseNumber(name, parts[0]);
  if (parts.length === 1) return number;
  const system = unescape(parts[1]);
  const code = unescape(parts[2]);
  return { ...number, ...(system ? { system } : {}), ...(code ? { code } : {}) };
}

/** The quantity a Quantity (or one of its profiles) or Money holds, as index rows keep it. */
export function quantityOf(v: TypedValue): { value: string; system: string | null; code: string | null; unit: string | null } | undefined {
  const q = v.value as { value?: number; system?: string; code?: string; unit?: string; currency?: string };
  if (typeof q?.value !== 'number') return undefined;
  if (QUANTITY_TYPES.has(v.type)) return { value: decimalString(q.value), system: q.system ?? null, code: q.code ?? null, unit: q.unit ?? null };
  if (v.type === 'Money') return { value: decimalString(q.value), system: 'urn:iso:std:iso:4217', code: q.currency ?? null, unit: null };
  return undefined;
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

export const quantityType: SearchParameterType<QuantityCriterion> = {
  parse({ modifier, param, name, values }) {
    return modifier ? undefined : { kind: 'quantity', param, values: values.map((v) => parseQuantity(name, v)) };
  },
  extract(rows, param, v) {
    const q = quantityOf(v);
    if (q) rows.quantity.push({ param: param.key, ...q });
  },
  target: (c) => ({ rows: 'quantity', key: c.param.key }),
  sql: (c, x, bind) => anyOf(c.values.map((v) => quantitySql(v, x, bind))),
  test: (c, row) => c.values.some((v) => quantityMatches(v, row as QuantityRow)),
  sort: { column: 'value', cast: 'numeric' },
};
