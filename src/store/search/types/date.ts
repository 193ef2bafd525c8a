// Date parameters: FHIR's prefixes over ranges, the stored [low, high) against the searched [sl, sh).
// Parsing, the range a FHIR date covers, index rows, the SQL condition, the Node test (with the one
// rule for `ap`) and the sort, in one place. _lastUpdated uses the same rule on its column.
import { FhirError } from '../../../errors.js';
import type { TypedValue } from '../path.js';
import type { Criterion, DateValue } from '../request.js';
import type { DateRow } from '../rows.js';
import { anyOf, type Bind, type SearchParameterType } from './parameter-type.js';
import { splitPrefix } from './prefix.js';

type DateCriterion = Extract<Criterion, { kind: 'date' }>;

const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);

/** A half-open instant range [low, high) in epoch milliseconds; infinite bounds for open Periods. */
export interface TimeRange {
  low: number;
  high: number;
}

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The range a FHIR date, dateTime or instant covers at its precision ("2026-03" is the whole
 * month). Values without a zone are read in `zone` (an IANA name); a date-only value is the
 * whole day in that zone. Undefined when the text is not a valid date.
 */
export function dateRange(text: string, zone: string): TimeRange | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) : undefined;
  const day = d ? Number(d) : undefined;
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > daysIn(year, month as number))) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 60))) return undefined;
  const fields = { year, month: month ?? 1, day: day ?? 1, hour: h ? Number(h) : 0, minute: mi ? Number(mi) : 0, second: s ? Number(s) : 0 };
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  let start: number;
  if (tz) {
    const offset = tz === 'Z' ? 0 : (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
    start = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second, ms) - offset * 60_000;
  } else {
    start = zonedToUtc(fields, ms, zone);
  }
  let end: number;
  if (frac) end = start + Math.max(1, 10 ** (3 - Math.min(frac.length, 3)));
  else if (s !== undefined) end = start + 1000;
  else if (mi !== undefined) end = start + 60_000;
  else {
    // Calendar units: the end is the start of the next day / month / year in the same zone.
    const next = { ...fields };
    if (day !== undefined) next.day += 1;
    else if (month !== undefined) next.month += 1;
    else next.year += 1;
    const normalized = new Date(Date.UTC(next.year, next.month - 1, next.day));
    end = zonedToUtc(
      { year: normalized.getUTCFullYear(), month: normalized.getUTCMonth() + 1, day: normalized.getUTCDate(), hour: 0, minute: 0, second: 0 },
      0,
      zone,
    );
  }
  return { low: start, high: end };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The UTC instant of a wall-clock time in an IANA zone (the earlier one in a DST overlap). */
export function zonedToUtc(t: WallTime, ms: number, zone: string): number {
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, ms);
  if (zone === 'UTC') return asUtc;
  const first = asUtc - offsetAt(asUtc, zone);
  const second = asUtc - offsetAt(first, zone);
  return Math.min(first, second);
}

/** Offset of `zone` from UTC at instant `utc`, in milliseconds. */
function offsetAt(utc: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(utc))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(utc / 1000) * 1000;
}

export function parseDate(name: string, raw: string, zone: string): DateValue {
  const { prefix, rest } = splitPrefix(raw);
  // Search dates may use a space for '+' that URL decoding turned from a literal '+' in the zone.
  const text = rest.replace(/ (\d{2}:\d{2})$/, '+$1');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(text))
    throw FhirError.badRequest('invalid-search-value', `Parameter "${name}": a time needs hours and minutes, got "${rest}"`, [name]);
  const range = dateRange(text, zone);
  if (!range) {
    throw FhirError.badRequest(
      'invalid-search-value',
      `Parameter "${name}": "${raw.slice(0, 60)}" is not a date; use [prefix]YYYY[-MM[-DD[Thh:mm[:ss][zone]]]] with a prefix among eq, ne, gt, lt, ge, le, sa, eb, ap`,
      [name],
    );
  }
  return { prefix, low: range.low, high: range.high };
}

/** The range a date, dateTime, instant, Period or Timing covers, as index rows hold it. */
export function dateRangeOf(v: TypedValue, zone: string): { low: string; high: string } | undefined {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (DATE_TYPES.has(v.type) && typeof v.value === 'string') {
    const r = dateRange(v.value, zone);
    return r && { low: iso(r.low), high: iso(r.high) };
  }
  if (v.type === 'Period') {
    const p = v.value as { start?: string; end?: string };
    const start = p.start ? dateRange(p.start, zone) : undefined;
    const end = p.end ? dateRange(p.end, zone) : undefined;
    if (!start && !end) return undefined;
    return { low: start ? iso(start.low) : '-infinity', high: end ? iso(end.high) : 'infinity' };
  }
  if (v.type === 'Timing') {
    const events = ((v.value as { event?: string[] }).event ?? []).map((e) => dateRange(e, zone)).filter((r) => r !== undefined);
    if (!events.length) return undefined;
    return { low: iso(Math.min(...events.map((e) => e.low))), high: iso(Math.max(...events.map((e) => e.high))) };
  }
  return undefined;
}

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

export const dateType: SearchParameterType<DateCriterion> = {
  parse({ modifier, param, name, values, context }) {
    return modifier ? undefined : { kind: 'date', param, values: values.map((v) => parseDate(name, v, context.zone)) };
  },
  extract(rows, param, v, options) {
    const range = dateRangeOf(v, options.zone);
    if (range) rows.date.push({ param: param.key, ...range });
  },
  target: (c) => ({ rows: 'date', key: c.param.key }),
  sql: (c, x, bind, now) => anyOf(c.values.map((v) => dateSql(v, `${x}.low`, `${x}.high`, bind, now))),
  test(c, row, now) {
    const r = row as DateRow;
    return c.values.some((v) => dateMatches(v, instantOf(r.low), instantOf(r.high), now));
  },
  // A date sorts by where its range starts, both ways: a month-precision value sorts as its first
  // day, not after every instant of that month.
  sort: { column: 'low', cast: 'timestamptz' },
};
