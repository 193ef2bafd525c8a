// The search parameters that shape the answer rather than select resources (R4 search.html#return,
// plus Haven's paging cursor), and those of the exchange (the answer's format). A search reads them
// apart from its criteria; a conditional interaction, a Subscription or a _typeFilter is criteria
// only and leaves them out or refuses them.

/** Result parameters Haven implements: FHIR's, `_cursor` (Haven's paging) and `_type` (system search). */
export const RESULT_PARAMETERS: ReadonlySet<string> = new Set([
  '_sort',
  '_count',
  '_include',
  '_revinclude',
  '_summary',
  '_total',
  '_elements',
  '_cursor',
  '_type',
]);

/** FHIR's result parameters Haven does not implement: a search reports them as not supported. */
export const UNSUPPORTED_RESULT_PARAMETERS: ReadonlySet<string> = new Set(['_contained', '_containedType']);

/** Parameters of the exchange, not of the search (R4 http.html#parameters). */
export const FORMAT_PARAMETERS: ReadonlySet<string> = new Set(['_format', '_pretty']);

/** The parameter name without its modifier: "_include:iterate" -> "_include". */
export function baseName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

/** Whether the parameter `name` (with or without a modifier) is a result or format parameter Haven reads. */
export function isResultParameter(name: string): boolean {
  const base = baseName(name);
  return RESULT_PARAMETERS.has(base) || FORMAT_PARAMETERS.has(base);
}
