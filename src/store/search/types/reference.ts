// Reference parameters: the parser turns each searched value into the stored forms it matches
// ("Patient/1", or every target type for a bare id, or an absolute URL as written), and extraction
// stores each reference parsed the same way (parseReference): a match is an equal `ref`.
// :identifier searches the Reference.identifier token rows. Parsing, index rows, the SQL
// condition, the Node test and the sort, in one place.
import { FhirError } from '../../../errors.js';
import { isFhirId } from '../../../grammar/id.js';
import { localPart, parseLiteralReference, referenceKey } from '../../../grammar/reference.js';
import { unescapeSearchValue as unescape } from '../../../grammar/search-value.js';
import type { TypedValue } from '../path.js';
import type { ActiveParam } from '../registry.js';
import type { Criterion } from '../request.js';
import type { IndexRows, ReferenceRow } from '../rows.js';
import { anyOf, type Bind, type ExtractOptions, type ParseContext, type SearchParameterType } from './parameter-type.js';
import { parseToken, tokenMatches, tokenSql, type TokenColumns } from './token.js';

type ReferenceCriterion = Extract<Criterion, { kind: 'reference' | 'reference-identifier' }>;

const URI_TYPES = new Set(['uri', 'url', 'canonical', 'oid', 'uuid']);

/** The stored forms a reference search value matches. */
function references(param: ActiveParam, name: string, value: string, typeModifier: string | undefined, context: ParseContext): string[] {
  const typed = parseLiteralReference(value, { baseUrl: context.baseUrl });
  if (typed) {
    if (typeModifier && typed.type !== typeModifier) throw FhirError.badRequest('invalid-search-value', `${name}: "${value}" is not a ${typeModifier}`, [name]);
    return [`${typed.type}/${typed.id}`];
  }
  const v = localPart(value, context.baseUrl);
  if (isFhirId(v)) {
    const targets = typeModifier ? [typeModifier] : param.targets.length ? param.targets : [...context.resourceTypes];
    return targets.map((t) => `${t}/${v}`);
  }
  return [value]; // an absolute URL or canonical, matched as stored
}

/** A reference as stored: relative for this server's resources, version dropped. */
export function parseReference(reference: string, baseUrl: string): Omit<ReferenceRow, 'param'> | undefined {
  if (!reference || reference.startsWith('#')) return undefined;
  const literal = parseLiteralReference(reference, { baseUrl });
  if (literal) return { ref: referenceKey(literal), targetType: literal.type, targetId: literal.id };
  return { ref: localPart(reference, baseUrl), targetType: null, targetId: null };
}

function addReference(rows: IndexRows, param: ActiveParam, v: TypedValue, options: ExtractOptions): void {
  if (v.type === 'Reference') {
    const r = v.value as { reference?: string; identifier?: { system?: string; value?: string } };
    const parsed = typeof r.reference === 'string' ? parseReference(r.reference, options.baseUrl) : undefined;
    if (parsed) rows.reference.push({ param: param.key, ...parsed });
    if (typeof r.identifier?.value === 'string') rows.token.push({ param: param.identifierKey, system: r.identifier.system ?? null, code: r.identifier.value });
    return;
  }
  if (typeof v.value === 'string' && URI_TYPES.has(v.type)) {
    // canonical "url|version": searchable by the URL alone and with its version.
    const [url, version] = v.value.split('|');
    const parsed = parseReference(url, options.baseUrl) ?? { ref: url, targetType: null, targetId: null };
    rows.reference.push({ param: param.key, ...parsed });
    if (version !== undefined) rows.reference.push({ param: param.key, ref: v.value, targetType: null, targetId: null });
  }
}

/** SQL: the row `x` holds one of `refs`. */
export function referenceSql(refs: string[], x: string, bind: Bind): string {
  return `${x}.ref = ANY(${bind(refs)}::text[])`;
}

/** Node: the same test on a stored `ref`. */
export function referenceMatches(refs: string[], ref: string): boolean {
  return refs.includes(ref);
}

export const referenceType: SearchParameterType<ReferenceCriterion> = {
  parse({ param, name, modifier, values, context }) {
    if (modifier === 'identifier') return { kind: 'reference-identifier', param, values: values.map((v) => parseToken(name, v)) };
    if (modifier && !context.resourceTypes.has(modifier)) return undefined;
    if (modifier && param.targets.length && !param.targets.includes(modifier)) {
      throw FhirError.badRequest('invalid-search-value', `${name}: ${param.code} cannot refer to a ${modifier}`, [name]);
    }
    return { kind: 'reference', param, refs: values.flatMap((v) => references(param, name, unescape(v), modifier, context)) };
  },
  extract: addReference,
  target: (c) => (c.kind === 'reference-identifier' ? { rows: 'token', key: c.param.identifierKey } : { rows: 'reference', key: c.param.key }),
  sql: (c, x, bind) => (c.kind === 'reference-identifier' ? anyOf(c.values.map((v) => tokenSql(v, x, bind))) : referenceSql(c.refs, x, bind)),
  test: (c, row) =>
    c.kind === 'reference-identifier' ? c.values.some((v) => tokenMatches(v, row as TokenColumns)) : referenceMatches(c.refs, (row as ReferenceRow).ref),
  sort: { column: 'ref', cast: 'text' },
};
