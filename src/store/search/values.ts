// Value normalisation shared by extraction (at write time) and search (at query time), so that a
// stored value and a searched value are compared in the same form.

/** Case- and accent-insensitive form of a string: "Ána  María" -> "ana maria". */
export function normalizeString(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

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
