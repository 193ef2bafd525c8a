// The search engine as one object: the compiled parameters, the indexer that writes their values,
// the parser and the runner. Built once at start (createSearchEngine) and shared by every request.
import type { SearchParameter } from '@medplum/fhirtypes';
import { FhirError } from '../../errors.js';
import type { FilterCompiler } from '../access.js';
import type { Access } from '../context.js';
import type { Queryable } from '../db.js';
import { ElementModel } from './elements.js';
import { createFilterCompiler } from './filters.js';
import { SearchIndexer } from './indexer.js';
import type { SearchBounds } from './bounds.js';
import { parseSearch, type ParsedSearch, type SearchContext } from './parse.js';
import { conformanceDefinitions, officialDefinitions, SearchRegistry } from './registry.js';
import type { Criterion, SearchRequest } from './request.js';
import { runSearch, type SearchResult } from './run.js';

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

  run(q: Queryable, access: Access, request: SearchRequest): Promise<SearchResult> {
    return runSearch(q, access, request, this.filters);
  }

  /**
   * Up to `limit` current resources of `type` matching `criteria`, for conditional create, update,
   * patch and delete and for conditional references in transactions. Unknown or unsupported
   * parameters are refused (400): ignoring one would widen the match and write the wrong resource.
   */
  async match(q: Queryable, access: Access, type: string, criteria: ReadonlyArray<readonly [string, string]>, limit: number): Promise<Match[]> {
    if (!criteria.length) throw FhirError.badRequest('invalid-criteria', 'A conditional request needs at least one search parameter');
    const parsed = this.parse([type], criteria.map(([n, v]) => [n, v]));
    if (parsed.ignored.length) {
      throw FhirError.badRequest('invalid-criteria', `Conditional criteria must all be supported search parameters: ${parsed.ignored.map((i) => i.reason).join('; ')}`);
    }
    const request: SearchRequest = { ...parsed.request, sort: [], cursor: undefined, count: limit, total: 'none', countOnly: false, includes: [] };
    const result = await runSearch(q, access, request, this.filters);
    return result.matches.map((m) => ({ id: m.id, versionId: m.versionId }));
  }
}

export function createSearchEngine(options: SearchEngineOptions): SearchEngine {
  const model = options.model ?? ElementModel.load();
  const definitions = [
    ...officialDefinitions(),
    ...(options.conformanceDir ? conformanceDefinitions(options.conformanceDir) : []),
    ...(options.custom ?? []),
  ];
  const registry = new SearchRegistry(model, definitions);
  const indexer = new SearchIndexer(registry, { baseUrl: options.baseUrl, zone: options.zone });
  return new SearchEngine(model, registry, indexer, options);
}
