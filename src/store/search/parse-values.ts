// Search parameter values as FHIR writes them: escaping, prefixes, tokens, dates, numbers,
// quantities. Every malformed value is a 400 that names the parameter.
import { FhirError } from '../../errors.js';
import { splitEscaped, unescapeSearchValue as unescape } from '../../grammar/search-value.js';
import type { DateValue, NumberValue, Prefix, QuantityValue, TokenValue } from './request.js';
import { dateRange, numberRange } from './values.js';

const PREFIXES = new Set<Prefix>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

// The escaping grammar is the kernel's (src/grammar/search-value.ts); re-exported under the names
// the search modules use.
export { splitEscaped, unescape };

/** Values of one parameter occurrence: comma-separated alternatives, escapes kept for sub-splitting. */
export function orValues(name: string, raw: string): string[] {
  const values = splitEscaped(raw, ',');
  if (values.some((v) => v === '')) throw FhirError.badRequest('invalid-search-value', `Parameter "${name}" has an empty value`, [name]);
  return values;
}

export function parseToken(name: string, raw: string): TokenValue {
  const parts = splitEscaped(raw, '|');
  if (parts.length === 1) return { code: unescape(parts[0]) };
  if (parts.length !== 2) throw FhirError.badRequest('invalid-search-value', `Parameter "${name}": a token is [system|]code, got "${raw.slice(0, 80)}"`, [name]);
  const [system, code] = parts.map(unescape);
  if (!system && !code) throw FhirError.badRequest('invalid-search-value', `Parameter "${name}": "|" needs a system or a code`, [name]);
  return { system: system === '' ? null : system, ...(code !== '' ? { code } : {}) };
}

function splitPrefix(raw: string): { prefix: Prefix; rest: string } {
  const candidate = raw.slice(0, 2) as Prefix;
  if (/^[a-z]{2}/.test(raw) && PREFIXES.has(candidate)) return { prefix: candidate, rest: raw.slice(2) };
  return { prefix: 'eq', rest: raw };
}

export function parseDate(name: string, raw: string, zone: string): DateValue {
  const { prefix, rest } = splitPrefix(raw);
  // Search dates may use a space for '+' that URL decoding turned from a literal '+' in the zone.
  const text = rest.replace(/ (\d{2}:\d{2})$/, '+$1');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(text)) throw FhirError.badRequest('invalid-search-value', `Parameter "${name}": a time needs hours and minutes, got "${rest}"`, [name]);
  const range = dateRange(text, zone);
  if (!range) {
    throw FhirError.badRequest('invalid-search-value', 
      `Parameter "${name}": "${raw.slice(0, 60)}" is not a date; use [prefix]YYYY[-MM[-DD[Thh:mm[:ss][zone]]]] with a prefix among eq, ne, gt, lt, ge, le, sa, eb, ap`,
      [name],
    );
  }
  return { prefix, low: range.low, high: range.high };
}

export function parseNumber(name: string, raw: string): NumberValue {
  const { prefix, rest } = splitPrefix(raw);
  const range = numberRange(rest);
  if (!range) throw FhirError.badRequest('invalid-search-value', `Parameter "${name}": "${raw.slice(0, 60)}" is not a [prefix]number`, [name]);
  return { prefix, ...range };
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
