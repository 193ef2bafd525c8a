// String parameters: prefix (the default) and :contains over the normalised form, :exact over the
// text as written. Parsing, index rows, the SQL condition, the Node test and the sort, in one place;
// the searched value is normalised by the function extraction applies to stored values.
import { unescapeSearchValue as unescape } from '../../../grammar/search-value.js';
import type { TypedValue } from '../path.js';
import type { Criterion } from '../request.js';
import type { IndexRows, StringRow } from '../rows.js';
import { anyOf, type Bind, type SearchParameterType } from './parameter-type.js';

export type StringMode = 'prefix' | 'contains';

type StringCriterion = Extract<Criterion, { kind: 'string' }>;

/** Longest normalised string kept in the index: enough for names and codes, within btree limits. */
export const MAX_INDEXED_STRING = 256;
const STRING_TYPES = new Set(['string', 'markdown', 'code', 'id', 'uri', 'url', 'canonical']);

/** Case- and accent-insensitive form of a string: "Ána  María" -> "ana maria". */
export function normalizeString(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The normalised form as the index keeps it (cut at MAX_INDEXED_STRING). */
export function indexedString(text: string): string {
  return normalizeString(text).slice(0, MAX_INDEXED_STRING);
}

/** A string row of parameter key `key` (also the :text rows of tokens). */
export function addString(rows: IndexRows, key: number, text: string): void {
  const norm = indexedString(text);
  if (norm || text) rows.string.push({ param: key, norm, exact: text });
}

/** The texts a string parameter indexes for one value. */
export function stringsOf(v: TypedValue): string[] {
  const value = v.value as Record<string, unknown>;
  if (typeof v.value === 'string' && STRING_TYPES.has(v.type)) return [v.value];
  const pick = (...keys: string[]) => keys.flatMap((k) => [value[k]].flat()).filter((s): s is string => typeof s === 'string');
  switch (v.type) {
    case 'HumanName':
      return pick('text', 'family', 'given', 'prefix', 'suffix');
    case 'Address':
      return pick('text', 'line', 'city', 'district', 'state', 'postalCode', 'country');
    case 'CodeableConcept':
      return pick('text');
    case 'Coding':
      return pick('display');
    case 'Annotation':
      return pick('text');
    default:
      return [];
  }
}

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

export const stringType: SearchParameterType<StringCriterion> = {
  parse({ param, modifier, values }) {
    if (!modifier || modifier === 'contains')
      return { kind: 'string', param, mode: modifier ? 'contains' : 'prefix', values: values.map((v) => normalizeString(unescape(v))) };
    if (modifier === 'exact') return { kind: 'string', param, mode: 'exact', values: values.map(unescape) };
    return undefined;
  },
  extract(rows, param, v) {
    for (const s of stringsOf(v)) addString(rows, param.key, s);
  },
  target: (c) => ({ rows: 'string', key: c.param.key }),
  sql: (c, x, bind) => anyOf(c.values.map((v) => (c.mode === 'exact' ? exactSql(`${x}.exact`, v, bind) : stringSql(`${x}.norm`, v, c.mode, bind)))),
  test(c, row) {
    const r = row as StringRow;
    return c.values.some((v) => (c.mode === 'exact' ? exactMatches(r.exact, v) : stringMatches(r.norm, v, c.mode)));
  },
  sort: { column: 'norm', cast: 'text' },
};
