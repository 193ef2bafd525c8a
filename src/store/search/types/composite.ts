// Composite parameters (`key$second`): a token key and a second part of one of the other types,
// both in one search_composite row. Parsing, index rows, the SQL condition, the Node test and the
// sort, in one place, each built from the other types' rules.
import { FhirError } from '../../../errors.js';
import { splitEscaped, unescapeSearchValue as unescape } from '../../../grammar/search-value.js';
import type { TypedValue } from '../path.js';
import type { ActiveParam } from '../registry.js';
import type { CompositeValue, Criterion } from '../request.js';
import type { CompositeRow, IndexRows } from '../rows.js';
import { dateMatches, dateRangeOf, dateSql, instantOf, parseDate } from './date.js';
import { anyOf, type Bind, type ExtractOptions, type ParseContext, type SearchParameterType } from './parameter-type.js';
import { parseQuantity, quantityMatches, quantityOf, quantitySql } from './quantity.js';
import { indexedString, normalizeString, stringMatches, stringSql, stringsOf } from './string.js';
import { parseToken, tokenMatches, tokensOf, tokenSql } from './token.js';

type CompositeCriterion = Extract<Criterion, { kind: 'composite' }>;

function parseComposite(param: ActiveParam, name: string, raw: string, context: ParseContext): CompositeValue {
  const parts = splitEscaped(raw, '$');
  if (parts.length !== 2) throw FhirError.badRequest('invalid-search-value', `${name}: a composite value is first$second, got "${raw.slice(0, 80)}"`, [name]);
  const key = parseToken(name, parts[0]);
  if (key.code === undefined) throw FhirError.badRequest('invalid-search-value', `${name}: the first part needs a code`, [name]);
  const second = param.components![1];
  switch (second.type) {
    case 'token':
      return { key, token: parseToken(name, parts[1]) };
    case 'quantity':
      return { key, quantity: parseQuantity(name, parts[1]) };
    case 'date':
      return { key, date: parseDate(name, parts[1], context.zone) };
    case 'string':
      return { key, string: normalizeString(unescape(parts[1])) };
  }
}

function addComposite(rows: IndexRows, param: ActiveParam, base: TypedValue, options: ExtractOptions): void {
  const [first, second] = param.components!;
  const keys = first.fn([base]).flatMap((v) => tokensOf(v).codes);
  if (!keys.length) return;
  const seconds = second.fn([base]);
  for (const k of keys) {
    for (const v of seconds) {
      const row = { param: param.key, keySystem: k.system, keyCode: k.code, system: null, code: null, value: null, low: null, high: null, norm: null };
      if (second.type === 'token') {
        for (const c of tokensOf(v).codes) rows.composite.push({ ...row, system: c.system, code: c.code });
      } else if (second.type === 'quantity') {
        const q = quantityOf(v);
        if (q) rows.composite.push({ ...row, value: q.value, system: q.system, code: q.code });
      } else if (second.type === 'date') {
        const d = dateRangeOf(v, options.zone);
        if (d) rows.composite.push({ ...row, low: d.low, high: d.high });
      } else {
        for (const s of stringsOf(v)) rows.composite.push({ ...row, norm: indexedString(s) });
      }
    }
  }
}

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

export const compositeType: SearchParameterType<CompositeCriterion> = {
  parse({ modifier, param, name, values, context }) {
    return modifier ? undefined : { kind: 'composite', param, values: values.map((v) => parseComposite(param, name, v, context)) };
  },
  extract: addComposite,
  target: (c) => ({ rows: 'composite', key: c.param.key }),
  sql: (c, x, bind, now) => anyOf(c.values.map((v) => compositeSql(v, x, bind, now))),
  test: (c, row, now) => c.values.some((v) => compositeMatches(v, row as CompositeRow, now)),
  sort: { column: 'key_code', cast: 'text' },
};
