// The kick-off parameters of $export (Bulk Data Access 2.0, reference/bulk-data.md section 2), read
// from the query string and checked before a job is written: anything Haven cannot honour is a 400
// that names it, so the client can retry without it.
import { FhirError } from '../errors.js';
import { baseName, isResultParameter, UNSUPPORTED_RESULT_PARAMETERS } from '../grammar/result-parameters.js';
import type { SearchEngine } from '../store/search/engine.js';

/** The three spellings of NDJSON that clients (and Inferno) send. */
export const NDJSON_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);

/** Parameters that are part of the IG but that Haven does not build; refusing beats ignoring them. */
const UNSUPPORTED = new Map([
  ['_elements', 'is not supported by this server; export whole resources'],
  ['patient', 'is only defined for POST kick-offs, which this server does not take'],
  ['includeAssociatedData', 'is not supported by this server'],
  ['_until', 'is not part of Bulk Data 2.0'],
  ['organizeOutputBy', 'is not part of Bulk Data 2.0'],
  ['allowPartialManifests', 'is not part of Bulk Data 2.0'],
]);

/** Search result parameters a _typeFilter may not carry (the IG forbids _include and _sort): a filter is criteria only. */
function isFilterResultParam(name: string): boolean {
  return isResultParameter(name) || UNSUPPORTED_RESULT_PARAMETERS.has(baseName(name));
}

export interface KickoffParams {
  /** Types named in _type, in the order given; undefined when _type was absent. */
  types?: string[];
  /** _since as an ISO instant (millisecond precision), when given. */
  since?: string;
  /** _typeFilter queries per type: alternatives (OR), each a list of (name, value) pairs (AND). */
  typeFilters: Record<string, Array<Array<[string, string]>>>;
}

/** Reads and checks the kick-off query. `exportable`: the types this server can export. */
export function parseKickoff(query: string, exportable: ReadonlySet<string>, search: SearchEngine): KickoffParams {
  const pairs = [...new URLSearchParams(query)];
  const result: KickoffParams = { typeFilters: {} };
  const problems: string[] = [];
  for (const [name, value] of pairs) {
    const refusal = UNSUPPORTED.get(name);
    if (refusal) {
      problems.push(`Parameter "${name}" ${refusal}`);
      continue;
    }
    switch (name) {
      case '_outputFormat':
        if (!NDJSON_FORMATS.has(value.trim())) problems.push(`_outputFormat "${value.slice(0, 80)}" is not supported; use application/fhir+ndjson`);
        break;
      case '_since': {
        const since = parseInstant(value);
        if (!since) problems.push(`_since "${value.slice(0, 80)}" is not an instant such as 2024-01-01T00:00:00Z`);
        else result.since = since;
        break;
      }
      case '_type':
        for (const type of list(value)) {
          if (!exportable.has(type)) problems.push(`_type: "${type.slice(0, 64)}" is not a resource type this export can contain`);
          else if (!(result.types ??= []).includes(type)) result.types.push(type);
        }
        break;
      case '_typeFilter':
        // 2.0: a comma list of URL-encoded queries; repeated parameters add to it. A comma splits
        // only where a new query (Type?...) starts, so "status=final,amended" stays one value.
        for (const raw of value
          .split(/,(?=\s*[A-Z][A-Za-z]+(?:\?|%3[Ff]))/)
          .map((v) => v.trim())
          .filter(Boolean)) {
          const problem = addTypeFilter(result, decodeURIComponentSafe(raw), search);
          if (problem) problems.push(problem);
        }
        break;
      case '_format':
        break; // the OperationOutcome format, negotiated like any FHIR answer
      default:
        problems.push(`Parameter "${name.slice(0, 64)}" is not a parameter of $export`);
    }
  }
  if (result.types) {
    for (const type of Object.keys(result.typeFilters)) {
      if (!result.types.includes(type)) problems.push(`_typeFilter names ${type}, which _type leaves out`);
    }
  }
  if (problems.length)
    throw new FhirError(
      'unsupported-export-parameter',
      400,
      problems.map((diagnostics) => ({ severity: 'error' as const, code: 'not-supported' as const, diagnostics })),
    );
  return result;
}

function addTypeFilter(result: KickoffParams, query: string, search: SearchEngine): string | undefined {
  const q = query.indexOf('?');
  const type = q < 0 ? query : query.slice(0, q);
  if (q < 0 || !/^[A-Z][A-Za-z]{1,63}$/.test(type)) return `_typeFilter "${query.slice(0, 80)}" must be a search query such as Observation?status=final`;
  const criteria = [...new URLSearchParams(query.slice(q + 1))];
  if (!criteria.length) return `_typeFilter "${query.slice(0, 80)}" has no search parameters`;
  const result_ = criteria.find(([name]) => isFilterResultParam(name));
  if (result_) return `_typeFilter "${query.slice(0, 80)}": ${result_[0]} is not allowed in a type filter`;
  try {
    const parsed = search.parse([type], criteria);
    if (parsed.ignored.length) return `_typeFilter "${query.slice(0, 80)}": ${parsed.ignored.map((i) => i.reason).join('; ')}`;
  } catch (error) {
    if (error instanceof FhirError) return `_typeFilter "${query.slice(0, 80)}": ${error.message}`;
    throw error;
  }
  (result.typeFilters[type] ??= []).push(criteria);
  return undefined;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * An instant in any form Date understands that has a date and a time with a zone (Z or +hh:mm), as
 * millisecond ISO text. A bare date is taken as its midnight UTC. Anything else: undefined.
 */
export function parseInstant(value: string): string | undefined {
  const text = value.trim().replace(/ (\d{2}:?\d{2})$/, '+$1'); // a '+' decoded to a space
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text)) return undefined;
  const time = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
