// The query of a record list, `?from=&to=&limit=`: checked here so that a bad value answers 400
// naming the parameter, never a search error about a FHIR parameter the client did not send.
import { FhirError } from '../errors.js';
import { isValidCalendarDate, parseInstant } from '../fhir/datetime.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export interface ListQuery {
  /** Inclusive bounds, as FHIR search values (a date covers its whole day). */
  from?: string;
  to?: string;
  limit: number;
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const KNOWN = new Set(['from', 'to', 'limit']);

export function parseListQuery(query: unknown): ListQuery {
  const params = (query ?? {}) as Record<string, string | string[] | undefined>;
  const unknown = Object.keys(params).filter((name) => !KNOWN.has(name));
  if (unknown.length) {
    throw FhirError.badRequest(
      'unknown-parameter',
      `Unknown query parameter ${unknown.map((n) => `"${n.slice(0, 40)}"`).join(', ')}: a list takes from, to and limit`,
      unknown.map((n) => n.slice(0, 40)),
    );
  }
  const single = (name: string): string | undefined => {
    const value = params[name];
    if (Array.isArray(value)) throw FhirError.badRequest('repeated-parameter', `${name} may be given once`, [name]);
    return value;
  };
  const from = bound(single('from'), 'from');
  const to = bound(single('to'), 'to');
  if (from && to && start(from) > end(to)) throw FhirError.badRequest('invalid-parameter', 'from must not be after to', ['from', 'to']);
  const rawLimit = single('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    if (!/^\d{1,6}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT) {
      throw FhirError.badRequest('invalid-parameter', `limit must be a whole number from 1 to ${MAX_LIMIT}, not "${rawLimit.slice(0, 40)}"`, ['limit']);
    }
    limit = Number(rawLimit);
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}), limit };
}

/**
 * A calendar date as given, or a date-time with its zone as a UTC instant of the same precision
 * (a search value covers the range its precision implies: 08:00:00Z the whole second).
 */
function bound(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (DATE.test(value) && isValidCalendarDate(value)) return value;
  const instant = parseInstant(value);
  if (instant) return /\.\d/.test(value) ? instant.toISOString() : instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
  throw FhirError.badRequest(
    'invalid-parameter',
    `${name} must be a calendar date (2024-05-01) or a date and time with a time zone (2024-05-01T08:30:00Z), not "${value.slice(0, 40)}"`,
    [name],
  );
}

function start(value: string): number {
  return Date.parse(DATE.test(value) ? `${value}T00:00:00Z` : value);
}

/** The last moment a bound covers: a date covers its whole day. */
function end(value: string): number {
  return DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) + 86_399_999 : Date.parse(value);
}
