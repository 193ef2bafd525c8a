// The query string of GET /fhir/AuditEvent -> a typed AuditSearch, or a 400 that names the
// parameter. Supported: _id, date, patient, entity, agent (with :identifier and :[type]), action,
// subtype, outcome, plus _count and the paging cursor.
import { FhirError } from '../errors.js';
import { isValidCalendarDate } from '../fhir/datetime.js';
import { isFhirId } from '../grammar/id.js';
import { localPart, parseLiteralReference } from '../grammar/reference.js';
import { searchAlternatives } from '../grammar/search-value.js';
import type { AuditDateValue, AuditFilter, AuditReference } from '../store/audit-log.js';
import { RESTFUL_INTERACTION } from './auditevent.js';

export const AUDIT_SEARCH_PARAMS = ['_id', 'date', 'patient', 'entity', 'agent', 'action', 'subtype', 'outcome'] as const;

/** Parameters that shape the answer rather than select events. */
const RESULT_PARAMS = new Set(['_count', '_cursor', '_format', '_pretty']);

const ACTION_SYSTEM = 'http://hl7.org/fhir/audit-event-action';
const OUTCOME_SYSTEM = 'http://hl7.org/fhir/audit-event-outcome';

export interface ParsedAuditQuery {
  filters: AuditFilter[];
  /** The selecting parameters that were understood, for the Bundle's self link. */
  used: Array<[string, string]>;
}

export interface ParseOptions {
  /** Prefer: handling=strict: unknown parameters answer 400 instead of being ignored. */
  strict: boolean;
  /** The FHIR base URL: absolute references to this server are read as relative ones. */
  fhirBaseUrl: string;
  /** Resource types a reference may name. */
  resourceTypes: ReadonlySet<string>;
}

export function parseAuditQuery(query: URLSearchParams, options: ParseOptions): ParsedAuditQuery {
  const filters: AuditFilter[] = [];
  const used: Array<[string, string]> = [];
  for (const [key, raw] of query) {
    const [name, modifier] = splitModifier(key);
    if (RESULT_PARAMS.has(name) && modifier === undefined) continue;
    if (name === '_sort' && raw === '-date') continue; // the order Haven always uses
    if (!(AUDIT_SEARCH_PARAMS as readonly string[]).includes(name)) {
      if (options.strict) throw FhirError.badRequest('unknown-parameter', `AuditEvent search does not support the parameter "${key.slice(0, 64)}"`, [key]);
      continue;
    }
    if (raw === '') continue; // FHIR: a parameter without a value is ignored
    filters.push(parseFilter(name, modifier, searchAlternatives(raw), options, key));
    used.push([key, raw]);
  }
  return { filters, used };
}

function parseFilter(name: string, modifier: string | undefined, values: string[], options: ParseOptions, key: string): AuditFilter {
  const refuseModifier = () => FhirError.badRequest('unsupported-modifier', `The modifier ":${modifier}" is not supported on ${name}`, [key]);
  switch (name) {
    case '_id':
      if (modifier !== undefined) throw refuseModifier();
      return { param: '_id', values };
    case 'date':
      if (modifier !== undefined) throw refuseModifier();
      return { param: 'date', values: values.map((v) => parseDate(v, key)) };
    case 'patient': {
      if (modifier !== undefined && modifier !== 'Patient') throw refuseModifier();
      const refs = values.map((v) => parseReference(v, 'Patient', options, key));
      if (refs.some((r) => r.type !== 'Patient')) throw FhirError.badRequest('invalid-search-value', 'patient must reference a Patient', [key]);
      return { param: 'patient', values: refs.map((r) => `Patient/${r.id}`) };
    }
    case 'entity':
    case 'agent': {
      if (name === 'agent' && modifier === 'identifier') {
        return { param: 'agent-identifier', values: values.map((v) => v.slice(v.indexOf('|') + 1)) };
      }
      if (modifier !== undefined && !options.resourceTypes.has(modifier)) throw refuseModifier();
      return { param: name, values: values.map((v) => parseReference(v, modifier, options, key)) };
    }
    case 'action':
      return { param: 'action', values: tokens(values, ACTION_SYSTEM, modifier, key) };
    case 'subtype':
      return { param: 'subtype', values: tokens(values, RESTFUL_INTERACTION, modifier, key) };
    case 'outcome':
      return {
        param: 'outcome',
        values: tokens(values, OUTCOME_SYSTEM, modifier, key)
          .filter((code) => /^(0|4|8|12)$/.test(code))
          .map(Number),
      };
    default:
      throw FhirError.badRequest('unknown-parameter', `Unsupported parameter ${name}`, [key]);
  }
}

/** Token values `code`, `system|code` or `|code`: the codes that can match in `system`. */
function tokens(values: string[], system: string, modifier: string | undefined, key: string): string[] {
  if (modifier !== undefined) throw FhirError.badRequest('unsupported-modifier', `The modifier ":${modifier}" is not supported on ${key.split(':')[0]}`, [key]);
  const codes: string[] = [];
  for (const value of values) {
    const bar = value.indexOf('|');
    if (bar < 0) codes.push(value);
    else if (value.slice(0, bar) === system) codes.push(value.slice(bar + 1));
    // `|code` (no system) and other systems match nothing: Haven's codes always carry their system.
  }
  return codes;
}

/** "Type/id", an absolute URL on this server, or a bare id (of `type` when given). */
function parseReference(value: string, type: string | undefined, options: ParseOptions, key: string): AuditReference {
  const local = localPart(value, options.fhirBaseUrl);
  if (isFhirId(local)) return type ? { type, id: local } : { id: local };
  const literal = parseLiteralReference(local);
  if (literal && options.resourceTypes.has(literal.type) && (!type || type === literal.type)) return { type: literal.type, id: literal.id };
  throw FhirError.badRequest('invalid-search-value', `${key}: "${value.slice(0, 100)}" is not a reference such as Patient/123`, [key]);
}

const DATE = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** A FHIR date search value: prefix, then a date or dateTime of any precision. */
function parseDate(value: string, key: string): AuditDateValue {
  // A "+" in an offset that the client did not percent-encode arrives as a space.
  const m = DATE.exec(value.replace(/ (\d{2}:\d{2})$/, '+$1'));
  const bad = () =>
    FhirError.badRequest('invalid-search-value', `${key}: "${value.slice(0, 40)}" is not a date such as 2026-01-31 or ge2026-01-31T08:00:00Z`, [key]);
  if (!m) throw bad();
  const [, prefix = 'eq', year, month, day, hour, minute, second, fraction, offset] = m;
  if ((month && (+month < 1 || +month > 12)) || (day && !isValidCalendarDate(`${year}-${month}-${day}`))) throw bad();
  if ((hour && +hour > 23) || (minute && +minute > 59) || (second && +second > 59)) throw bad();
  const span = fraction ? '1 millisecond' : second ? '1 second' : minute ? '1 minute' : day ? '1 day' : month ? '1 month' : '1 year';
  const ms = fraction ? fraction.padEnd(3, '0').slice(0, 3) : '000';
  const local = `${year}-${month ?? '01'}-${day ?? '01'}T${hour ?? '00'}:${minute ?? '00'}:${second ?? '00'}.${ms}`;
  return { prefix: normalPrefix(prefix), local, span, ...(offset ? { offset } : {}) };
}

/** For an instant, "starts after" is "greater than", "ends before" "less than", "approximately" "equal". */
function normalPrefix(prefix: string): AuditDateValue['prefix'] {
  switch (prefix) {
    case 'sa':
      return 'gt';
    case 'eb':
      return 'lt';
    case 'ap':
      return 'eq';
    default:
      return prefix as AuditDateValue['prefix'];
  }
}

function splitModifier(key: string): [string, string | undefined] {
  const colon = key.indexOf(':');
  return colon < 0 ? [key, undefined] : [key.slice(0, colon), key.slice(colon + 1)];
}
