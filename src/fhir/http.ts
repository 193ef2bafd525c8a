// FHIR's HTTP conventions: media types, content negotiation, ETag / If-Match, Prefer, dates.
import { FhirError } from '../errors.js';
import { isFhirId } from '../grammar/id.js';

export const FHIR_JSON = 'application/fhir+json';
export const FHIR_JSON_UTF8 = 'application/fhir+json; charset=utf-8';

/** The media types a FHIR resource body may be sent as. */
export const RESOURCE_MEDIA_TYPES = ['application/fhir+json', 'application/json'];
export const JSON_PATCH = 'application/json-patch+json';

/**
 * The response media type for this request, from `_format` (which overrides Accept) or Accept;
 * 406 when the client accepts no JSON.
 */
export function negotiate(accept: string | undefined, format: string | undefined): string {
  if (format !== undefined) {
    const f = format.toLowerCase().split(';')[0].trim();
    if (f === 'json' || f === FHIR_JSON || f === 'application/json') return FHIR_JSON_UTF8;
    throw FhirError.of('not-acceptable', 406, 'not-supported', `_format "${format}" is not supported; Haven serves JSON (application/fhir+json)`);
  }
  if (!accept) return FHIR_JSON_UTF8;
  const ranges = accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((r) => r.q > 0);
  if (ranges.some((r) => r.type === FHIR_JSON || r.type === '*/*' || r.type === 'application/*')) return FHIR_JSON_UTF8;
  if (ranges.some((r) => r.type === 'application/json')) return 'application/json; charset=utf-8';
  throw FhirError.of('not-acceptable', 406, 'not-supported', `None of the media types in Accept can be served; Haven serves ${FHIR_JSON}`);
}

/** The essence of a Content-Type header ("application/fhir+json; charset=utf-8" -> "application/fhir+json"). */
export function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0].trim().toLowerCase() || undefined;
}

export function etag(versionId: number | string): string {
  return `W/"${versionId}"`;
}

/** The version named by If-Match (W/"3", "3"), or undefined without the header; 400 when malformed. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header);
  if (!m) throw FhirError.badRequest('invalid-if-match', `If-Match must be a version ETag such as W/"3", got ${JSON.stringify(header)}`);
  return Number(m[1]);
}

export type PreferReturn = 'minimal' | 'representation' | 'OperationOutcome';

export interface Preferences {
  return?: PreferReturn;
  handling?: 'strict' | 'lenient';
}

/** RFC 7240 Prefer, as FHIR uses it (return=, handling=); unknown preferences are ignored. */
export function parsePrefer(header: string | string[] | undefined): Preferences {
  const prefs: Preferences = {};
  const values = Array.isArray(header) ? header : header ? [header] : [];
  for (const part of values.join(',').split(/[,;]/)) {
    const [key, raw] = part.split('=').map((s) => s?.trim());
    const value = raw?.replace(/^"|"$/g, '');
    if (key === 'return' && (value === 'minimal' || value === 'representation' || value === 'OperationOutcome')) prefs.return = value;
    if (key === 'handling' && (value === 'strict' || value === 'lenient')) prefs.handling = value;
  }
  return prefs;
}

export function checkId(id: string): void {
  if (!isFhirId(id)) {
    throw FhirError.badRequest('invalid-id', `"${id.slice(0, 70)}" is not a valid FHIR id (1-64 letters, digits, '-' and '.')`);
  }
}
