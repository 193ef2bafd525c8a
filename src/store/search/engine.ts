// The search engine as one object: the compiled parameters, the indexer that writes their values,
// the parser and the runner. Built once at start (createSearchEngine) and shared by every request.
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import { FhirError } from '../../errors.js';
import type { FilterCompiler } from '../access.js';
import type { Access } from '../context.js';
import type { Queryable } from '../db.js';
import { ElementModel } from './elements.js';
import { createFilterCompiler } from './filters.js';
import { SearchIndexer } from './indexer.js';
import type { SearchBounds } from './bounds.js';
import { criteriaMatcher, evaluableInNode } from './match.js';
import { isResultParameter } from '../../grammar/result-parameters.js';
import { parseSearch, type ParsedSearch, type SearchContext } from './parse.js';
import { conformanceDefinitions, officialDefinitions, SearchRegistry } from './registry.js';
import type { Criterion, SearchRequest } from './request.js';
import { runSearch } from './run.js';

export interface SearchEngineOptions {
  baseUrl: string;
  zone: string;
  defaultCount: number;
  maxCount: number;
  /** What one search may ask for; the defaults of src/store/search/bounds.ts when absent. */
  bounds?: SearchBounds;
  /** Directory searched for conformance/**\/SearchParameter*.json. */
  conformanceDir?: string;
  /** Client-defined SearchParameters activated by a reindex (search_parameter_active). */
  custom?: SearchParameter[];
  /** A model already loaded (tests build many engines). */
  model?: ElementModel;
}

export interface Match {
  id: string;
  versionId: number;
}

/** Whether one resource meets search criteria, answered in Node (src/store/search/match.ts). */
export type ResourceMatcher = (resource: Resource) => boolean;

/** Compiled criteria matchers kept per engine; restrictions come from tokens, so few distinct ones. */
const MAX_CACHED_MATCHERS = 1000;

export class SearchEngine {
  readonly context: SearchContext;
  /** Compiles access rules' query restrictions; pass it to accessCondition in search statements. */
  readonly filters: FilterCompiler;

  constructor(
    readonly model: ElementModel,
    readonly registry: SearchRegistry,
    readonly indexer: SearchIndexer,
    options: SearchEngineOptions,
  ) {
    this.context = {
      registry,
      zone: options.zone,
      baseUrl: options.baseUrl,
      defaultCount: options.defaultCount,
      maxCount: options.maxCount,
      resourceTypes: model.resourceTypes,
      ...(options.bounds ? { bounds: options.bounds } : {}),
    };
    this.filters = createFilterCompiler((type, pairs) => this.parse([type], pairs));
  }

  private readonly matchers = new Map<string, ResourceMatcher | null>();

  /**
   * `GET [type]?<pairs>` as a test of one resource, evaluated in Node with this engine's own parse,
   * extraction and value rules (the same answer the search gives), for query restrictions on reads
   * and writes. Undefined when the pairs cannot all be evaluated on a resource alone: an unknown or
   * unsupported parameter or modifier, a malformed value, a chain or _has, or a result parameter
   * (_sort, _count...), which selects nothing. Compiled once per type and pairs.
   */
  criteriaMatcher(type: string, pairs: ReadonlyArray<readonly [string, string]>): ResourceMatcher | undefined {
    const key = JSON.stringify([type, pairs]);
    let matcher = this.matchers.get(key);
    if (matcher === undefined) {
      matcher = this.compileMatcher(type, pairs) ?? null;
      if (this.matchers.size >= MAX_CACHED_MATCHERS) this.matchers.clear();
      this.matchers.set(key, matcher);
    }
    return matcher ?? undefined;
  }

  private compileMatcher(type: string, pairs: ReadonlyArray<readonly [string, string]>): ResourceMatcher | undefined {
    if (!this.model.resourceTypes.has(type) || !pairs.length) return undefined;
    if (pairs.some(([name]) => isResultParameter(name))) return undefined;
    let parsed: ParsedSearch;
    try {
      parsed = this.parse(
        [type],
        pairs.map(([n, v]) => [n, v]),
      );
    } catch {
      return undefined; // a malformed value (400 in a search) grants nothing here
    }
    const criteria = parsed.request.criteria;
    if (parsed.ignored.length || criteria.length !== pairs.length || !evaluableInNode(criteria)) return undefined;
    return criteriaMatcher(this.indexer, type, criteria);
  }

  /** Parses search parameters for `types` (one, several, or none for all types). */
  parse(types: string[], params: Array<[string, string]>, extra: Criterion[] = []): ParsedSearch {
    const parsed = parseSearch(this.context, types, params, extra);
    parsed.request.patientScope = this.patientScope(parsed.request);
    return parsed;
  }

  /** The one patient compartment every match must lie in, when the criteria say so. */
  private patientScope(request: SearchRequest): string | undefined {
    for (const c of request.criteria) {
      if (c.kind === 'compartment') return c.compartment;
      if (
        c.kind === 'reference' &&
        c.refs.length === 1 &&
        c.refs[0].startsWith('Patient/') &&
        request.types.length === 1 &&
        this.indexer.compartment.confines(request.types[0], c.param.code, c.param.key)
      ) {
        return c.refs[0];
      }
    }
    return undefined;
  }

  /**
   * Up to `limit` current resources of `type` matching `criteria`, for conditional create, update,
   * patch and delete and for conditional references in transactions. Unknown or unsupported
   * parameters are refused (400): ignoring one would widen the match and write the wrong resource.
   */
  async match(q: Queryable, access: Access, type: string, criteria: ReadonlyArray<readonly [string, string]>, limit: number): Promise<Match[]> {
    if (!criteria.length) throw FhirError.badRequest('invalid-criteria', 'A conditional request needs at least one search parameter');
    const parsed = this.parse(
      [type],
      criteria.map(([n, v]) => [n, v]),
    );
    if (parsed.ignored.length) {
      throw FhirError.badRequest(
        'invalid-criteria',
        `Conditional criteria must all be supported search parameters: ${parsed.ignored.map((i) => i.reason).join('; ')}`,
      );
    }
    const request: SearchRequest = { ...parsed.request, sort: [], cursor: undefined, count: limit, total: 'none', countOnly: false, includes: [] };
    const result = await runSearch(q, access, request, this.filters);
    return result.matches.map((m) => ({ id: m.id, versionId: m.versionId }));
  }
}

export function createSearchEngine(options: SearchEngineOptions): SearchEngine {
  const model = options.model ?? ElementModel.load();
  const definitions = [...officialDefinitions(), ...(options.conformanceDir ? conformanceDefinitions(options.conformanceDir) : []), ...(options.custom ?? [])];
  const registry = new SearchRegistry(model, definitions);
  const indexer = new SearchIndexer(registry, { baseUrl: options.baseUrl, zone: options.zone });
  return new SearchEngine(model, registry, indexer, options);
}
