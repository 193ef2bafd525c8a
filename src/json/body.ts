// The JSON request body parser for every route (FHIR, Bundles, PATCH, /api/v1, /auth): numbers
// keep their text (lossless.ts), any nesting depth answers a fast 400 instead of a stack overflow,
// and a string holding NUL (which PostgreSQL text cannot store) is refused naming where it is.
// A request without a body is accepted whatever its Content-Type says: many clients send
// `Content-Type: application/json` on every GET and DELETE.
import { FhirError } from '../errors.js';
import { JsonInputError, parseLossless } from './lossless.js';
import { findNul } from './nul.js';

/** Deeper than any R4 resource needs (nested Questionnaire items, contained, Bundles of Bundles). */
export const MAX_JSON_DEPTH = 100;

/** The parsed body, or undefined when the request has none. Throws FhirError 400 otherwise. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = parseLossless(text, { maxDepth: MAX_JSON_DEPTH });
  } catch (error) {
    if (error instanceof JsonInputError) throw FhirError.of(error.code, 400, 'structure', error.message);
    throw FhirError.of('malformed-body', 400, 'structure', 'The request body is not valid JSON');
  }
  // As Fastify's own parser did: keys that could pollute prototypes are refused.
  if (/"(?:__proto__|constructor)"\s*:/.test(text) && /"__proto__"\s*:|"prototype"\s*:/.test(text)) {
    throw FhirError.of(
      'malformed-body',
      400,
      'structure',
      'The request body has a "__proto__" or "constructor.prototype" key, which this server does not accept',
    );
  }
  // Only an escaped NUL can reach a parsed string (a raw one is not JSON); look where it is.
  if (text.includes('\\u0000')) {
    const at = findNul(value, rootName(value));
    if (at) throw FhirError.of('nul-character', 400, 'value', `${at} holds a NUL character (\\u0000), which this server cannot store`, [at]);
  }
  return value;
}

function rootName(value: unknown): string {
  const type = value && typeof value === 'object' ? (value as { resourceType?: unknown }).resourceType : undefined;
  return typeof type === 'string' && /^[A-Za-z]{1,64}$/.test(type) ? type : '(body)';
}
