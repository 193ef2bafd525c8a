// Date values: FHIR's prefixes over ranges, the stored [low, high) against the searched [sl, sh).
// The SQL condition and the Node test side by side, with the one rule for `ap`.
import type { DateValue } from '../request.js';
import type { Bind } from './token.js';

const AP_MIN_DAY_MS = 86_400_000;

/**
 * The range `ap` accepts: within 10% of the distance between now and the date, at least a day.
 * Bounds as the statement receives them (whole milliseconds, as `new Date(ms)` keeps them).
 */
export function approximateDate(v: DateValue, now: number): { low: number; high: number } {
  const margin = Math.max(AP_MIN_DAY_MS, Math.abs(now - v.low) * 0.1);
  return { low: new Date(v.low - margin).getTime(), high: new Date(v.high + margin).getTime() };
}

/** SQL over timestamptz columns (or expressions) `low` and `high`. */
export function dateSql(v: DateValue, low: string, high: string, bind: Bind, now: number): string {
  const ts = (ms: number) => `${bind(new Date(ms).toISOString())}::timestamptz`;
  const sl = () => ts(v.low);
  const sh = () => ts(v.high);
  switch (v.prefix) {
    case 'eq':
      return `(${low} >= ${sl()} AND ${high} <= ${sh()})`;
    case 'ne':
      return `NOT (${low} >= ${sl()} AND ${high} <= ${sh()})`;
    case 'gt':
      return `${high} > ${sh()}`;
    case 'lt':
      return `${low} < ${sl()}`;
    case 'ge':
      return `(${high} > ${sh()} OR (${low} >= ${sl()} AND ${high} <= ${sh()}))`;
    case 'le':
      return `(${low} < ${sl()} OR (${low} >= ${sl()} AND ${high} <= ${sh()}))`;
    case 'sa':
      return `${low} >= ${sh()}`;
    case 'eb':
      return `${high} <= ${sl()}`;
    case 'ap': {
      const range = approximateDate(v, now);
      return `(${low} < ${ts(range.high)} AND ${high} > ${ts(range.low)})`;
    }
  }
}

/** Node: the same test on a stored range in epoch ms (±Infinity for open Period bounds). */
export function dateMatches(v: DateValue, low: number, high: number, now: number): boolean {
  const within = low >= v.low && high <= v.high;
  switch (v.prefix) {
    case 'eq':
      return within;
    case 'ne':
      return !within;
    case 'gt':
      return high > v.high;
    case 'lt':
      return low < v.low;
    case 'ge':
      return high > v.high || within;
    case 'le':
      return low < v.low || within;
    case 'sa':
      return low >= v.high;
    case 'eb':
      return high <= v.low;
    case 'ap': {
      const range = approximateDate(v, now);
      return low < range.high && high > range.low;
    }
  }
}

/** An index row's instant (ISO text, or "-infinity" / "infinity") in epoch ms. */
export function instantOf(text: string): number {
  if (text === '-infinity') return -Infinity;
  if (text === 'infinity') return Infinity;
  return Date.parse(text);
}
