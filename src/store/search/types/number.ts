// Number parameters: FHIR's prefixes with the range a value's significant figures imply. Parsing,
// index rows, the SQL condition (over PostgreSQL numeric), the Node test and the sort, in one place;
// Node compares the decimal texts exactly, as numeric does, never through floating point.
import { FhirError } from '../../../errors.js';
import type { Criterion, NumberValue } from '../request.js';
import type { NumberRow } from '../rows.js';
import { anyOf, type Bind, type SearchParameterType } from './parameter-type.js';
import { splitPrefix } from './prefix.js';

type NumberCriterion = Extract<Criterion, { kind: 'number' }>;

const NUMBER_TYPES = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt']);

/** A decimal with the range its significant figures imply: "100" -> [99.5, 100.5). */
export interface NumberRange {
  value: string;
  low: string;
  high: string;
}

const NUMBER_RE = /^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Search numbers: the implied range is half a unit of the last significant digit either side.
 * `1e2` has one significant figure, so it means [50, 150) (as HAPI and later FHIR versions read it;
 * R4's own example of [95, 105) is a known error in the text).
 */
export function numberRange(text: string): NumberRange | undefined {
  if (!NUMBER_RE.test(text)) return undefined;
  const [mantissa, exponentText] = text.toLowerCase().split('e');
  const exponent = exponentText ? Number(exponentText) : 0;
  const decimals = mantissa.includes('.') ? mantissa.split('.')[1].length : 0;
  const halfUnitExponent = exponent - decimals;
  const value = Number(text);
  const half = 0.5 * 10 ** halfUnitExponent;
  return { value: decimalString(value), low: decimalString(value - half), high: decimalString(value + half) };
}

/** A number as plain decimal text that PostgreSQL's numeric accepts (no exponent). */
export function decimalString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = n.toFixed(12).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

export function parseNumber(name: string, raw: string): NumberValue {
  const { prefix, rest } = splitPrefix(raw);
  const range = numberRange(rest);
  if (!range) throw FhirError.badRequest('invalid-search-value', `Parameter "${name}": "${raw.slice(0, 60)}" is not a [prefix]number`, [name]);
  return { prefix, ...range };
}

/** The range `ap` accepts: within 10% of the value, and never narrower than its precision. */
export function approximateNumber(v: NumberValue): { low: string; high: string } {
  const value = Number(v.value);
  const margin = Math.max(Math.abs(value) * 0.1, Number(v.high) - value);
  return { low: String(value - margin), high: String(value + margin) };
}

/** SQL over the numeric `column`. */
export function numberSql(v: NumberValue, column: string, bind: Bind): string {
  const n = (text: string) => `${bind(text)}::numeric`;
  switch (v.prefix) {
    case 'eq':
      return `(${column} >= ${n(v.low)} AND ${column} < ${n(v.high)})`;
    case 'ne':
      return `NOT (${column} >= ${n(v.low)} AND ${column} < ${n(v.high)})`;
    case 'gt':
      return `${column} > ${n(v.value)}`;
    case 'lt':
      return `${column} < ${n(v.value)}`;
    case 'ge':
      return `${column} >= ${n(v.value)}`;
    case 'le':
      return `${column} <= ${n(v.value)}`;
    case 'sa':
      return `${column} >= ${n(v.high)}`;
    case 'eb':
      return `${column} < ${n(v.low)}`;
    case 'ap': {
      const range = approximateNumber(v);
      return `(${column} >= ${n(range.low)} AND ${column} <= ${n(range.high)})`;
    }
  }
}

/** Node: the same test on a stored decimal text (NULL matches nothing, as in SQL). */
export function numberMatches(v: NumberValue, value: string | null): boolean {
  if (value === null) return false;
  const cmp = (bound: string) => compareDecimal(value, bound);
  switch (v.prefix) {
    case 'eq':
      return cmp(v.low) >= 0 && cmp(v.high) < 0;
    case 'ne':
      return !(cmp(v.low) >= 0 && cmp(v.high) < 0);
    case 'gt':
      return cmp(v.value) > 0;
    case 'lt':
      return cmp(v.value) < 0;
    case 'ge':
      return cmp(v.value) >= 0;
    case 'le':
      return cmp(v.value) <= 0;
    case 'sa':
      return cmp(v.high) >= 0;
    case 'eb':
      return cmp(v.low) < 0;
    case 'ap': {
      const range = approximateNumber(v);
      return cmp(range.low) >= 0 && cmp(range.high) <= 0;
    }
  }
}

interface Decimal {
  /** -1, 0 or 1; 2 for NaN (numeric sorts NaN above everything). */
  sign: number;
  /** Significant digits without leading or trailing zeros, and the power of ten of the last one. */
  digits: string;
  exponent: number;
  infinite: boolean;
}

/** Orders two decimal texts as PostgreSQL numeric does (exponents, Infinity and NaN included). */
export function compareDecimal(a: string, b: string): number {
  const x = decimalOf(a);
  const y = decimalOf(b);
  if (x.sign === 2 || y.sign === 2) return x.sign === y.sign ? 0 : x.sign === 2 ? 1 : -1;
  if (x.sign !== y.sign) return Math.sign(x.sign - y.sign);
  if (x.sign === 0) return 0;
  return x.sign * compareMagnitude(x, y);
}

function compareMagnitude(x: Decimal, y: Decimal): number {
  if (x.infinite || y.infinite) return x.infinite === y.infinite ? 0 : x.infinite ? 1 : -1;
  // Position of the leading digit: more integer digits is larger.
  const lead = x.digits.length + x.exponent - (y.digits.length + y.exponent);
  if (lead !== 0) return Math.sign(lead);
  const width = Math.max(x.digits.length, y.digits.length);
  const dx = x.digits.padEnd(width, '0');
  const dy = y.digits.padEnd(width, '0');
  return dx === dy ? 0 : dx > dy ? 1 : -1;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function decimalOf(text: string): Decimal {
  const t = text.trim();
  if (/^nan$/i.test(t)) return { sign: 2, digits: '', exponent: 0, infinite: false };
  const inf = /^([+-]?)inf(inity)?$/i.exec(t);
  if (inf) return { sign: inf[1] === '-' ? -1 : 1, digits: '', exponent: 0, infinite: true };
  const m = DECIMAL_RE.exec(t);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const [, sign, int = '', frac = '', exp] = m;
  let digits = int + frac;
  let exponent = (exp ? Number(exp) : 0) - frac.length;
  digits = digits.replace(/^0+/, '');
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  if (!digits) return { sign: 0, digits: '', exponent: 0, infinite: false };
  return { sign: sign === '-' ? -1 : 1, digits, exponent, infinite: false };
}

export const numberType: SearchParameterType<NumberCriterion> = {
  parse({ modifier, param, name, values }) {
    return modifier ? undefined : { kind: 'number', param, values: values.map((v) => parseNumber(name, v)) };
  },
  extract(rows, param, v) {
    if (NUMBER_TYPES.has(v.type) && typeof v.value === 'number') rows.number.push({ param: param.key, value: decimalString(v.value) });
  },
  target: (c) => ({ rows: 'number', key: c.param.key }),
  sql: (c, x, bind) => anyOf(c.values.map((v) => numberSql(v, `${x}.value`, bind))),
  test: (c, row) => c.values.some((v) => numberMatches(v, (row as NumberRow).value)),
  sort: { column: 'value', cast: 'numeric' },
};
