// Query parameters -> a typed SearchRequest, or a 400. Pure (no SQL, no HTTP), so that search routes,
// conditional interactions and transaction Bundles parse criteria the same way. Parameters Haven
// does not know or support are collected (not fatal) so the caller can ignore and report them, or
// refuse them (Prefer: handling=strict, and always for conditional writes).
import { FhirError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../grammar/cursor.js';
import { isResultParameter, UNSUPPORTED_RESULT_PARAMETERS } from '../../grammar/result-parameters.js';
import { splitEscaped, unescapeSearchValue as unescape } from '../../grammar/search-value.js';
import type { ActiveParam, SearchRegistry } from './registry.js';
import type { Criterion, IncludeSpec, SearchCursor, SearchRequest, SortKey } from './request.js';
import { checkSearchBounds, DEFAULT_SEARCH_BOUNDS, type SearchBounds } from './bounds.js';
import { parseDate } from './types/date.js';
import { typeOf } from './types/index.js';

/** Parameters FHIR defines that Haven does not implement: reported, never silently half-done. */
const UNSUPPORTED = new Set(['_text', '_content', '_list', '_query', '_filter', '_score', ...UNSUPPORTED_RESULT_PARAMETERS]);

export interface SearchContext {
  registry: SearchRegistry;
  /** IANA zone for dates without one (TZ_DEFAULT). */
  zone: string;
  baseUrl: string;
  defaultCount: number;
  maxCount: number;
  /** All resource types, for system search and reference targets. */
  resourceTypes: ReadonlySet<string>;
  /** What one search may ask for (src/store/search/bounds.ts); the defaults when absent. */
  bounds?: SearchBounds;
}

export interface ParsedSearch {
  request: SearchRequest;
  /** The parameters applied, for the self link. */
  used: Array<[string, string]>;
  /** Parameters ignored, each with the reason. */
  ignored: Array<{ name: string; reason: string }>;
  summary?: 'true' | 'text' | 'data' | 'count' | 'false';
  elements?: string[];
}

class Unsupported extends Error {}

/** Values of one parameter occurrence: comma-separated alternatives, escapes kept for sub-splitting. */
function orValues(name: string, raw: string): string[] {
  const values = splitEscaped(raw, ',');
  if (values.some((v) => v === '')) throw FhirError.badRequest('invalid-search-value', `Parameter "${name}" has an empty value`, [name]);
  return values;
}

export function parseSearch(ctx: SearchContext, types: string[], params: Array<[string, string]>, extra: Criterion[] = []): ParsedSearch {
  const parser = new SearchParser(ctx, types);
  return parser.parse(params, extra);
}

class SearchParser {
  constructor(
    private readonly ctx: SearchContext,
    /** Searched types: one (type search), several (_type), or empty (all). */
    private readonly types: string[],
  ) {}

  parse(params: Array<[string, string]>, extra: Criterion[]): ParsedSearch {
    const bounds = this.ctx.bounds ?? DEFAULT_SEARCH_BOUNDS;
    checkSearchBounds(bounds, params);
    const used: Array<[string, string]> = [];
    const ignored: ParsedSearch['ignored'] = [];
    const criteria: Criterion[] = [...extra];
    const request: SearchRequest = {
      types: this.types,
      criteria,
      sort: [],
      count: this.ctx.defaultCount,
      total: 'none',
      countOnly: false,
      includes: [],
      maxIncludes: this.ctx.maxCount * 5,
      includeDepth: bounds.maxIncludeDepth,
    };
    const parsed: ParsedSearch = { request, used, ignored };
    const once = new Set<string>();
    for (const [name, value] of params) {
      if (name.includes('\0') || value.includes('\0')) throw FhirError.badRequest('nul-character', 'Search parameters may not contain NUL characters');
      const base = name.split(':')[0];
      if (['_count', '_sort', '_total', '_summary', '_elements', '_cursor', '_type'].includes(base)) {
        if (once.has(base)) throw FhirError.badRequest('repeated-parameter', `${base} may appear only once`, [base]);
        once.add(base);
      }
      try {
        if (UNSUPPORTED.has(base)) throw new Unsupported(`${base} is not supported`);
        if (isResultParameter(base)) {
          if (this.result(parsed, name, base, value)) used.push([name, value]);
          continue;
        }
        criteria.push(this.criterionFor(this.types, name, value));
        used.push([name, value]);
      } catch (error) {
        if (error instanceof Unsupported) ignored.push({ name, reason: error.message });
        else throw error;
      }
    }
    return parsed;
  }

  /** Result parameters; false when not echoed in the self link. */
  private result(parsed: ParsedSearch, name: string, base: string, value: string): boolean {
    const request = parsed.request;
    switch (base) {
      case '_count':
        if (!/^\d{1,6}$/.test(value)) throw FhirError.badRequest('invalid-parameter', `_count must be a whole number, got "${value.slice(0, 20)}"`, ['_count']);
        request.count = Math.min(Number(value), this.ctx.maxCount);
        return true;
      case '_total':
        if (value !== 'none' && value !== 'estimate' && value !== 'accurate')
          throw FhirError.badRequest('invalid-parameter', '_total must be none, estimate or accurate', ['_total']);
        request.total = value;
        return true;
      case '_summary':
        if (!['true', 'text', 'data', 'count', 'false'].includes(value))
          throw FhirError.badRequest('invalid-parameter', '_summary must be true, text, data, count or false', ['_summary']);
        parsed.summary = value as ParsedSearch['summary'];
        if (value === 'count') request.countOnly = true;
        return true;
      case '_elements':
        parsed.elements = value
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean);
        return true;
      case '_sort':
        request.sort = value.split(',').map((key) => this.sortKey(key));
        return true;
      case '_include':
      case '_revinclude': {
        const modifier = name.slice(base.length + 1);
        if (modifier && modifier !== 'iterate' && modifier !== 'recurse') throw new Unsupported(`${name}: unknown modifier`);
        request.includes.push(this.include(name, value, base === '_revinclude', modifier !== ''));
        return true;
      }
      case '_cursor':
        request.cursor = decodeSearchCursor(value);
        return false;
      case '_type':
        return true; // read by the route
      default:
        return false; // _format, _pretty: handled by the HTTP layer
    }
  }

  private sortKey(raw: string): SortKey {
    const descending = raw.startsWith('-');
    const code = descending ? raw.slice(1) : raw;
    if (code === '_id' || code === '_lastUpdated') return { param: code, descending };
    const param = this.commonParam(this.types, code);
    if (!param) throw FhirError.badRequest('invalid-sort', `_sort: "${code}" is not a search parameter of ${this.typesText(this.types)}`, ['_sort']);
    if (param.type === 'composite') throw FhirError.badRequest('invalid-sort', `_sort: composite parameter "${code}" cannot sort`, ['_sort']);
    return { param, descending };
  }

  private include(name: string, value: string, reverse: boolean, iterate: boolean): IncludeSpec {
    const [sourceType, code, targetType, ...rest] = value.split(':');
    if (!sourceType || !code || rest.length)
      throw FhirError.badRequest('invalid-include', `${name} must be SourceType:parameter[:TargetType], got "${value.slice(0, 80)}"`, [name]);
    if (!this.ctx.resourceTypes.has(sourceType)) throw FhirError.badRequest('invalid-include', `${name}: "${sourceType}" is not a resource type`, [name]);
    if (targetType !== undefined && !this.ctx.resourceTypes.has(targetType))
      throw FhirError.badRequest('invalid-include', `${name}: "${targetType}" is not a resource type`, [name]);
    let params: ActiveParam[];
    if (code === '*') params = this.ctx.registry.forType(sourceType).filter((p) => p.type === 'reference');
    else {
      const param = this.ctx.registry.get(sourceType, code);
      if (!param) throw new Unsupported(`${name}: ${sourceType} has no search parameter "${code}"`);
      if (param.type !== 'reference') throw FhirError.badRequest('invalid-include', `${name}: "${code}" is not a reference parameter of ${sourceType}`, [name]);
      params = [param];
    }
    return { params, targetType, iterate, reverse };
  }

  /** One parameter occurrence on resources of `types`; unknown parameters throw Unsupported. */
  criterionFor(types: string[], name: string, raw: string): Criterion {
    if (name.startsWith('_has:')) return this.has(types, name, raw);
    const dot = name.indexOf('.');
    if (dot > 0) return this.chain(types, name.slice(0, dot), name.slice(dot + 1), raw);
    const [code, modifier, ...more] = name.split(':');
    if (more.length) throw FhirError.badRequest('unsupported-modifier', `Parameter "${name}" has more than one modifier`, [name]);
    if (code === '_id') return this.idCriterion(name, modifier, raw);
    if (code === '_lastUpdated') {
      if (modifier === 'missing') return { kind: 'id-missing', missing: this.bool(name, raw) };
      if (modifier) throw new Unsupported(`${name}: modifier ":${modifier}" is not supported on _lastUpdated`);
      return { kind: 'last-updated', values: orValues(name, raw).map((v) => parseDate(name, v, this.ctx.zone)) };
    }
    // Type-specific parameters of several types: one alternative per type.
    if (types.length !== 1) {
      const common = this.ctx.registry.commonParams().find((p) => p.code === code);
      if (common) return this.valueCriterion(common, name, modifier, raw);
      if (!types.length) throw new Unsupported(`"${code}" is not a parameter of every resource type; name the types with _type`);
      const alternatives = types.map((t) => {
        const param = this.ctx.registry.get(t, code);
        if (!param)
          throw FhirError.badRequest(
            'unknown-parameter',
            `Parameter "${code}" is not defined for ${t}; with _type only parameters of every listed type may be used`,
            [name],
          );
        return { resourceType: t, criterion: this.valueCriterion(param, name, modifier, raw) };
      });
      return { kind: 'by-type', alternatives };
    }
    const param = this.ctx.registry.get(types[0], code);
    if (!param) throw new Unsupported(`${types[0]} has no search parameter "${code}"`);
    return this.valueCriterion(param, name, modifier, raw);
  }

  private idCriterion(name: string, modifier: string | undefined, raw: string): Criterion {
    if (modifier === 'missing') return { kind: 'id-missing', missing: this.bool(name, raw) };
    if (modifier && modifier !== 'not') throw new Unsupported(`${name}: modifier ":${modifier}" is not supported on _id`);
    return { kind: 'id', ids: orValues(name, raw).map(unescape), not: modifier === 'not' };
  }

  private valueCriterion(param: ActiveParam, name: string, modifier: string | undefined, raw: string): Criterion {
    if (modifier === 'missing') return { kind: 'missing', param, missing: this.bool(name, raw) };
    const values = orValues(name, raw);
    const criterion = typeOf(param).parse({ param, name, modifier, values, context: this.ctx });
    if (criterion) return criterion;
    throw new Unsupported(`${name}: modifier ":${modifier}" is not supported on ${param.type} parameters`);
  }

  private chain(types: string[], head: string, rest: string, raw: string): Criterion {
    const [code, typeModifier, ...more] = head.split(':');
    if (more.length) throw FhirError.badRequest('invalid-chain', `Chained parameter "${head}" is malformed`, [head]);
    if (types.length !== 1) {
      if (!types.length) throw new Unsupported('chained parameters need a resource type');
      return { kind: 'by-type', alternatives: types.map((t) => ({ resourceType: t, criterion: this.chain([t], head, rest, raw) })) };
    }
    const param = this.ctx.registry.get(types[0], code);
    if (!param) throw new Unsupported(`${types[0]} has no search parameter "${code}"`);
    if (param.type !== 'reference') throw FhirError.badRequest('invalid-chain', `"${code}" is not a reference parameter, so it cannot be chained`, [head]);
    if (typeModifier && !this.ctx.resourceTypes.has(typeModifier))
      throw FhirError.badRequest('invalid-chain', `"${typeModifier}" is not a resource type`, [head]);
    const candidates = typeModifier ? [typeModifier] : param.targets.length ? param.targets : [];
    const restCode = rest.split(/[.:]/)[0];
    const targets = candidates.filter((t) => restCode === '_id' || restCode === '_lastUpdated' || restCode === '_has' || this.ctx.registry.get(t, restCode));
    if (!targets.length) throw new Unsupported(`no target of ${types[0]}.${code} has a search parameter "${restCode}"`);
    const criterion = this.criterionFor(targets, rest, raw);
    return { kind: 'chain', param, targetTypes: targets, criterion };
  }

  private has(types: string[], name: string, raw: string): Criterion {
    const [, sourceType, refCode, ...restParts] = name.split(':');
    const rest = restParts.join(':');
    if (!sourceType || !refCode || !rest) throw FhirError.badRequest('invalid-chain', `${name}: _has is _has:Type:reference:parameter`, [name]);
    if (!this.ctx.resourceTypes.has(sourceType)) throw FhirError.badRequest('invalid-chain', `${name}: "${sourceType}" is not a resource type`, [name]);
    const param = this.ctx.registry.get(sourceType, refCode);
    if (!param) throw new Unsupported(`${sourceType} has no search parameter "${refCode}"`);
    if (param.type !== 'reference') throw FhirError.badRequest('invalid-chain', `${name}: "${refCode}" is not a reference parameter of ${sourceType}`, [name]);
    if (types.length === 1 && param.targets.length && !param.targets.includes(types[0])) {
      throw FhirError.badRequest('invalid-chain', `${name}: ${sourceType}.${refCode} cannot refer to a ${types[0]}`, [name]);
    }
    return { kind: 'has', sourceType, param, criterion: this.criterionFor([sourceType], rest, raw) };
  }

  private commonParam(types: string[], code: string): ActiveParam | undefined {
    const common = this.ctx.registry.commonParams().find((p) => p.code === code);
    if (common) return common;
    if (types.length !== 1) return undefined;
    return this.ctx.registry.get(types[0], code);
  }

  private bool(name: string, raw: string): boolean {
    if (raw !== 'true' && raw !== 'false') throw FhirError.badRequest('invalid-search-value', `${name} must be true or false`, [name]);
    return raw === 'true';
  }

  private typesText(types: string[]): string {
    return types.length ? types.join(', ') : 'every resource type';
  }
}

/** Page cursors (src/grammar/cursor.ts) of a search: {d, k, r}. */
export function encodeSearchCursor(cursor: SearchCursor): string {
  return encodeCursor({ d: cursor.direction === 'after' ? 'a' : 'b', k: cursor.keys, r: cursor.rid });
}

export function decodeSearchCursor(raw: string): SearchCursor {
  const v = decodeCursor(raw, isWireCursor);
  if (!v) throw FhirError.badRequest('invalid-cursor', 'The paging cursor is not valid; start again from the first page', ['_cursor']);
  return { direction: v.d === 'a' ? 'after' : 'before', keys: v.k, rid: v.r };
}

function isWireCursor(value: unknown): value is { d: 'a' | 'b'; k: Array<string | null>; r: number } {
  const v = value as { d?: unknown; k?: unknown; r?: unknown } | null;
  return !!v && (v.d === 'a' || v.d === 'b') && Array.isArray(v.k) && v.k.every((k) => k === null || typeof k === 'string') && Number.isSafeInteger(v.r);
}
