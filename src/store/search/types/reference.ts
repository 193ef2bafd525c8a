// Reference values: the parser turns each searched value into the stored forms it matches
// ("Patient/1", or every target type for a bare id, or an absolute URL as written), and extraction
// stores each reference parsed the same way (parseReference): a match is an equal `ref`.
import type { Bind } from './token.js';

/** SQL: the row `x` holds one of `refs`. */
export function referenceSql(refs: string[], x: string, bind: Bind): string {
  return `${x}.ref = ANY(${bind(refs)}::text[])`;
}

/** Node: the same test on a stored `ref`. */
export function referenceMatches(refs: string[], ref: string): boolean {
  return refs.includes(ref);
}
