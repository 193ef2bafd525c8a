// SMART scope grammar, v1 and v2 (SMART App Launch 2.x, "Scopes and launch context"):
//   (patient|user|system)/(Type|*).(read|write|*|[c][r][u][d][s])[?param=value&...]
// Scopes are parsed once per token into data; `authorize` turns them into access.

export type ScopeContext = 'patient' | 'user' | 'system';
export type Letter = 'c' | 'r' | 'u' | 'd' | 's';

export const LETTERS: readonly Letter[] = ['c', 'r', 'u', 'd', 's'];

export interface ResourceScope {
  context: ScopeContext;
  /** A resource type, or '*' for every type. */
  resourceType: string;
  /** Granted letters, in c r u d s order. */
  letters: Letter[];
  /** v2 query restriction as (name, value) pairs that must all match; absent when unrestricted. */
  restriction?: Array<[string, string]>;
  /** Written in the v1 form (.read, .write, .*). */
  v1: boolean;
}

export interface ParsedScopes {
  resources: ResourceScope[];
  /** Well-formed scopes that are not resource scopes: admin, launch/patient, openid, fhirUser, ... */
  others: string[];
  /** Scopes that look like resource scopes but break the grammar (e.g. `.dus`, `.rd`). */
  invalid: string[];
}

const URI_PREFIX = 'http://smarthealthit.org/fhir/scopes/';
const RESOURCE_SCOPE = /^(patient|user|system)\/([A-Za-z][A-Za-z0-9]{0,63}|\*)\.([^?]+)(?:\?(.*))?$/;
const V2_LETTERS = /^c?r?u?d?s?$/;
const V1: Record<string, Letter[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
/** Scope tokens of RFC 6749: printable ASCII without space, '"' and '\'. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function parseScopes(scope: string | undefined): ParsedScopes {
  const parsed: ParsedScopes = { resources: [], others: [], invalid: [] };
  for (const text of (scope ?? '').split(' ').filter(Boolean)) {
    const result = parseScope(text);
    if (result === 'invalid') parsed.invalid.push(text);
    else if (result === undefined) parsed.others.push(text);
    else parsed.resources.push(result);
  }
  return parsed;
}

/** One scope: a resource scope, undefined for another kind of scope, or 'invalid'. */
export function parseScope(text: string): ResourceScope | undefined | 'invalid' {
  if (!SCOPE_TOKEN.test(text)) return 'invalid';
  const bare = text.startsWith(URI_PREFIX) ? text.slice(URI_PREFIX.length) : text;
  if (!/^(patient|user|system)\//.test(bare)) return undefined;
  const m = RESOURCE_SCOPE.exec(bare);
  if (!m) return 'invalid';
  const [, context, resourceType, permissions, query] = m;
  const v1 = Object.hasOwn(V1, permissions);
  let letters: Letter[];
  if (v1) letters = [...V1[permissions]];
  else if (permissions && V2_LETTERS.test(permissions)) letters = [...permissions] as Letter[];
  else return 'invalid';
  const scope: ResourceScope = { context: context as ScopeContext, resourceType, letters, v1 };
  if (query !== undefined) {
    if (v1) return 'invalid'; // restrictions are v2 only
    const restriction = parseRestriction(query);
    if (!restriction) return 'invalid';
    scope.restriction = restriction;
  }
  return scope;
}

function parseRestriction(query: string): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return undefined;
    try {
      pairs.push([decodeURIComponent(part.slice(0, eq)), decodeURIComponent(part.slice(eq + 1))]);
    } catch {
      return undefined;
    }
  }
  return pairs.length ? pairs : undefined;
}

/** The scope as text: v1 form when it was asked for in v1 and the letters have a v1 name. */
export function formatScope(scope: ResourceScope): string {
  let permissions = scope.letters.join('');
  if (scope.v1 && !scope.restriction) {
    const v1 = Object.entries(V1).find(([, letters]) => letters.join('') === permissions);
    if (v1) permissions = v1[0];
  }
  const query = scope.restriction?.length ? '?' + scope.restriction.map(([n, v]) => `${encodeRestrictionPart(n)}=${encodeRestrictionPart(v)}`).join('&') : '';
  return `${scope.context}/${scope.resourceType}.${permissions}${query}`;
}

/** Restriction values keep their readable characters (| : / ,), as clients write them. */
function encodeRestrictionPart(value: string): string {
  return encodeURIComponent(value).replace(/%7C/gi, '|').replace(/%3A/gi, ':').replace(/%2F/gi, '/').replace(/%2C/gi, ',');
}

/** Letters in canonical order. */
export function orderLetters(letters: Iterable<Letter>): Letter[] {
  const set = new Set(letters);
  return LETTERS.filter((l) => set.has(l));
}
