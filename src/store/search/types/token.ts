// Token parameters (`[system|]code`, :not, :text, :of-type): parsing, index rows, the SQL condition,
// the Node test and the sort in one place, so that searches and query restrictions cannot read a
// token differently.
import { FhirError } from '../../../errors.js';
import { splitEscaped, unescapeSearchValue as unescape } from '../../../grammar/search-value.js';
import type { TypedValue } from '../path.js';
import type { ActiveParam } from '../registry.js';
import type { Criterion, TokenValue } from '../request.js';
import type { IndexRows, StringRow } from '../rows.js';
import { anyOf, type Bind, type SearchParameterType } from './parameter-type.js';
import { addString, normalizeString, stringMatches, stringSql } from './string.js';

type TokenCriterion = Extract<Criterion, { kind: 'token' | 'token-text' | 'of-type' }>;

/** The token columns of an index row (search_token, the key or second part of search_composite). */
export interface TokenColumns {
  system: string | null;
  code: string | null;
}

/** A `:of-type` value: the identifier's type (system and code) and its value. */
export interface OfTypeValue {
  typeSystem: string;
  typeCode: string;
  value: string;
}

export function parseToken(name: string, raw: string): TokenValue {
  const parts = splitEscaped(raw, '|');
  if (parts.length === 1) return { code: unescape(parts[0]) };
  if (parts.length !== 2)
    throw FhirError.badRequest('invalid-search-value', `Parameter "${name}": a token is [system|]code, got "${raw.slice(0, 80)}"`, [name]);
  const [system, code] = parts.map(unescape);
  if (!system && !code) throw FhirError.badRequest('invalid-search-value', `Parameter "${name}": "|" needs a system or a code`, [name]);
  return { system: system === '' ? null : system, ...(code !== '' ? { code } : {}) };
}

function parseOfType(name: string, raw: string): OfTypeValue {
  const parts = splitEscaped(raw, '|').map(unescape);
  if (parts.length !== 3 || !parts[1] || !parts[2]) throw FhirError.badRequest('invalid-search-value', `${name} needs typeSystem|typeCode|value`, [name]);
  return { typeSystem: parts[0], typeCode: parts[1], value: parts[2] };
}

interface Code {
  system: string | null;
  code: string;
}

/** The codes a token parameter indexes for one value, and the texts its :text modifier searches. */
export function tokensOf(v: TypedValue): { codes: Code[]; texts: string[] } {
  const value = v.value as Record<string, unknown>;
  const codes: Code[] = [];
  const texts: string[] = [];
  const coding = (c: { system?: string; code?: string; display?: string } | undefined) => {
    if (!c) return;
    if (typeof c.code === 'string') codes.push({ system: c.system ?? null, code: c.code });
    if (typeof c.display === 'string') texts.push(c.display);
  };
  switch (v.type) {
    case 'Coding':
      coding(value as never);
      break;
    case 'CodeableConcept':
      for (const c of (value.coding as never[] | undefined) ?? []) coding(c);
      if (typeof value.text === 'string') texts.push(value.text);
      break;
    case 'Identifier':
      if (typeof value.value === 'string') codes.push({ system: (value.system as string | undefined) ?? null, code: value.value });
      if (typeof (value.type as { text?: unknown } | undefined)?.text === 'string') texts.push((value.type as { text: string }).text);
      break;
    case 'ContactPoint':
      if (typeof value.value === 'string') codes.push({ system: (value.system as string | undefined) ?? null, code: value.value });
      break;
    case 'boolean':
      codes.push({ system: null, code: String(v.value) });
      break;
    case 'Reference':
      break;
    default:
      if (typeof v.value === 'string') codes.push({ system: null, code: v.value });
  }
  return { codes, texts };
}

function addToken(rows: IndexRows, param: ActiveParam, v: TypedValue): void {
  const { codes, texts } = tokensOf(v);
  for (const c of codes) rows.token.push({ param: param.key, system: c.system, code: c.code });
  for (const t of texts) addString(rows, param.textKey, t);
  if (v.type === 'Identifier') {
    const id = v.value as { value?: string; type?: { coding?: Array<{ system?: string; code?: string }> } };
    for (const c of id.type?.coding ?? []) {
      if (c.code && typeof id.value === 'string') rows.token.push({ param: param.ofTypeKey, system: `${c.system ?? ''}|${c.code}`, code: id.value });
    }
  }
}

/** SQL: the row `x` carries `v` (system undefined: any system; null: no system). */
export function tokenSql(v: TokenValue, x: string, bind: Bind): string {
  const parts: string[] = [];
  if (v.code !== undefined) parts.push(`${x}.code = ${bind(v.code)}`);
  if (v.system === null) parts.push(`${x}.system IS NULL`);
  else if (v.system !== undefined) parts.push(`${x}.system = ${bind(v.system)}`);
  return parts.length ? `(${parts.join(' AND ')})` : 'TRUE';
}

/** Node: the same test on an extracted row. */
export function tokenMatches(v: TokenValue, row: TokenColumns): boolean {
  if (v.code !== undefined && row.code !== v.code) return false;
  if (v.system === null) return row.system === null;
  if (v.system !== undefined) return row.system === v.system;
  return true;
}

/** SQL: the of-type row `x` (system "typeSystem|typeCode", code the identifier's value). */
export function ofTypeSql(v: OfTypeValue, x: string, bind: Bind): string {
  return `(${x}.system = ${bind(`${v.typeSystem}|${v.typeCode}`)} AND ${x}.code = ${bind(v.value)})`;
}

export function ofTypeMatches(v: OfTypeValue, row: TokenColumns): boolean {
  return row.system === `${v.typeSystem}|${v.typeCode}` && row.code === v.value;
}

export const tokenType: SearchParameterType<TokenCriterion> = {
  parse({ param, name, modifier, values }) {
    if (!modifier || modifier === 'not') return { kind: 'token', param, values: values.map((v) => parseToken(name, v)), not: modifier === 'not' };
    if (modifier === 'text') return { kind: 'token-text', param, values: values.map((v) => normalizeString(unescape(v))) };
    if (modifier === 'of-type') return { kind: 'of-type', param, values: values.map((v) => parseOfType(name, v)) };
    return undefined;
  },
  extract: addToken,
  target(c) {
    if (c.kind === 'token-text') return { rows: 'string', key: c.param.textKey };
    if (c.kind === 'of-type') return { rows: 'token', key: c.param.ofTypeKey };
    return { rows: 'token', key: c.param.key, not: Boolean(c.not) };
  },
  sql(c, x, bind) {
    if (c.kind === 'token-text') return anyOf(c.values.map((v) => stringSql(`${x}.norm`, v, 'prefix', bind)));
    if (c.kind === 'of-type') return anyOf(c.values.map((v) => ofTypeSql(v, x, bind)));
    return anyOf(c.values.map((v) => tokenSql(v, x, bind)));
  },
  test(c, row) {
    if (c.kind === 'token-text') return c.values.some((v) => stringMatches((row as StringRow).norm, v, 'prefix'));
    const r = row as TokenColumns;
    if (c.kind === 'of-type') return c.values.some((v) => ofTypeMatches(v, r));
    return c.values.some((v) => tokenMatches(v, r));
  },
  sort: { column: 'code', cast: 'text' },
};
