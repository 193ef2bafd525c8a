// What one search may ask for (issue 20): every AND-repetition of a parameter is one more join, every
// _sort key one more column of the statement's target list (PostgreSQL stops at 1664), every
// include one more statement per :iterate round. Without bounds, 300 repetitions of
// `value-quantity=gt1` kept the embedded database busy for 21 s while /healthz waited. Checked on
// the raw pairs before any parsing, so an oversized request costs next to nothing; every search
// (GET, POST _search, Bundle entries, conditional writes) passes through parseSearch and so here.
import { FhirError } from '../../errors.js';
import { splitEscaped } from '../../grammar/search-value.js';

export interface SearchBounds {
  /** Parameters (name=value pairs, result parameters included) in one search. */
  maxParameters: number;
  /** Values of one parameter name: its repetitions and their comma-separated values together. */
  maxValues: number;
  /** Keys of _sort. */
  maxSortKeys: number;
  /** _include and _revinclude parameters (with or without :iterate). */
  maxIncludeParameters: number;
  /** Rounds of includes: the first, then :iterate rounds up to this many in all. */
  maxIncludeDepth: number;
}

export const DEFAULT_SEARCH_BOUNDS: SearchBounds = {
  maxParameters: 100,
  maxValues: 100,
  maxSortKeys: 10,
  maxIncludeParameters: 50,
  maxIncludeDepth: 4,
};

/** A 400 naming the bound, what was asked, and the setting that raises it. */
function exceeded(what: string, asked: number, bound: number, setting: string, expression?: string): FhirError {
  return FhirError.of(
    'too-costly',
    400,
    'too-costly',
    `This search asks for ${asked} ${what}; at most ${bound} are allowed in one search (${setting})`,
    expression ? [expression] : undefined,
  );
}

/** Throws a 400 when the parameters exceed a bound. */
export function checkSearchBounds(bounds: SearchBounds, params: ReadonlyArray<readonly [string, string]>): void {
  if (params.length > bounds.maxParameters) throw exceeded('parameters', params.length, bounds.maxParameters, 'SEARCH_MAX_PARAMETERS');
  const values = new Map<string, number>();
  let includes = 0;
  for (const [name, value] of params) {
    const base = name.split(':')[0];
    if (base === '_include' || base === '_revinclude') includes++;
    if (base === '_sort') {
      const keys = value.split(',').length;
      if (keys > bounds.maxSortKeys) throw exceeded('_sort keys', keys, bounds.maxSortKeys, 'SEARCH_MAX_SORT_KEYS', '_sort');
    }
    const count = (values.get(name) ?? 0) + splitEscaped(value, ',').length;
    if (count > bounds.maxValues) throw exceeded(`values of "${name.slice(0, 80)}"`, count, bounds.maxValues, 'SEARCH_MAX_VALUES', name.slice(0, 80));
    values.set(name, count);
  }
  if (includes > bounds.maxIncludeParameters)
    throw exceeded('_include and _revinclude parameters', includes, bounds.maxIncludeParameters, 'SEARCH_MAX_INCLUDES');
}
