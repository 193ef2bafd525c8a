// FHIR's comparison prefixes (eq, ne, gt, lt, ge, le, sa, eb, ap), which date, number and quantity
// values share.
import type { Prefix } from '../request.js';

const PREFIXES = new Set<Prefix>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** The prefix of a searched value (eq when it has none) and the rest of it. */
export function splitPrefix(raw: string): { prefix: Prefix; rest: string } {
  const candidate = raw.slice(0, 2) as Prefix;
  if (/^[a-z]{2}/.test(raw) && PREFIXES.has(candidate)) return { prefix: candidate, rest: raw.slice(2) };
  return { prefix: 'eq', rest: raw };
}
