// Uri parameters: exact, :below (a prefix of the stored URI) and :above (the stored URI is the value
// or one of its parent paths). Parsing, index rows, the SQL condition, the Node test (with one list
// of parents) and the sort, in one place.
import { unescapeSearchValue as unescape } from '../../../grammar/search-value.js';
import type { Criterion } from '../request.js';
import type { UriRow } from '../rows.js';
import { anyOf, type Bind, type SearchParameterType } from './parameter-type.js';

export type UriMode = 'exact' | 'below' | 'above';

type UriCriterion = Extract<Criterion, { kind: 'uri' }>;

/** The value and its parent paths, each with and without a trailing slash (:above). */
export function uriParents(value: string): string[] {
  const parents: string[] = [];
  let current = value.replace(/\/+$/, '');
  while (current.length > 0) {
    parents.push(current, `${current}/`);
    const at = current.lastIndexOf('/');
    if (at <= current.indexOf('//') + 1) break;
    current = current.slice(0, at);
  }
  return parents;
}

/** SQL over the uri column of `x`. */
export function uriSql(value: string, mode: UriMode, x: string, bind: Bind): string {
  if (mode === 'below') return `${x}.uri LIKE ${bind(value.replace(/[\\%_]/g, (ch) => `\\${ch}`) + '%')}`;
  if (mode === 'above') return `${x}.uri = ANY(${bind(uriParents(value))}::text[])`;
  return `${x}.uri = ${bind(value)}`;
}

/** Node: the same test on a stored URI. */
export function uriMatches(value: string, mode: UriMode, uri: string): boolean {
  if (mode === 'below') return uri.startsWith(value);
  if (mode === 'above') return uriParents(value).includes(uri);
  return uri === value;
}

export const uriType: SearchParameterType<UriCriterion> = {
  parse({ modifier, param, values }) {
    if (modifier && modifier !== 'below' && modifier !== 'above') return undefined;
    return { kind: 'uri', param, mode: (modifier || 'exact') as UriMode, values: values.map(unescape) };
  },
  extract(rows, param, v) {
    if (typeof v.value === 'string') rows.uri.push({ param: param.key, uri: v.value });
  },
  target: (c) => ({ rows: 'uri', key: c.param.key }),
  sql: (c, x, bind) => anyOf(c.values.map((v) => uriSql(v, c.mode, x, bind))),
  test: (c, row) => c.values.some((v) => uriMatches(v, c.mode, (row as UriRow).uri)),
  sort: { column: 'uri', cast: 'text' },
};
