// A search, as FHIR answers it: parameters parsed (unknown ones reported, or refused under
// Prefer: handling=strict), one page run through the caller's store, and the searchset Bundle built
// around the stored JSON with its paging links. Shared by the search routes and Bundle GET entries.
import type { Grant } from '../auth/grant.js';
import { FhirError } from '../errors.js';
import type { Authorizer } from '../auth/authorize.js';
import { NO_ACCESS, type RelatedAccess } from '../store/context.js';
import { encodeSearchCursor, type ParsedSearch } from '../store/search/parse.js';
import type { Criterion, SearchCursor, SearchRequest } from '../store/search/request.js';
import type { FoundResource } from '../store/search/found.js';
import type { SearchResult } from '../store/search/run.js';
import type { SearchEngine } from '../store/search/engine.js';
import { bundleJson, type EntryText } from './bundle.js';
import { operationOutcome } from './outcome.js';
import type { ResourceSubsetter } from './subset.js';

export interface SearchTarget {
  /** Searched types: one, several (_type) or none (all). */
  types: string[];
  /** Path of the search, relative to the FHIR base, for links and the audit record. */
  path: string;
  extra: Criterion[];
}

/** Runs one page of the parsed search as the caller; `query` is the search as the audit keeps it. */
export type SearchRunner = (request: SearchRequest, query: string) => Promise<SearchResult>;

/**
 * What the resources a search reaches beyond its matches may be: included ones must be readable,
 * chained and _has ones searchable, each by the token's rights on its own type (a
 * patient/Observation.rs token includes no Patient).
 */
export function relatedAccess(services: { auth: { authorizer: Authorizer } }, grant: Grant): RelatedAccess {
  const { authorizer } = services.auth;
  return {
    include: authorizer.tryAuthorize(grant, { interaction: 'read' }) ?? NO_ACCESS,
    chain: authorizer.tryAuthorize(grant, { interaction: 'search-system' }) ?? NO_ACCESS,
  };
}

/** What a searchset needs of the services: parsing, the base URL of its links, _summary and _elements. */
export interface SearchsetServices {
  search: Pick<SearchEngine, 'parse'>;
  config: { fhirBaseUrl: string };
  subsetter: ResourceSubsetter;
}

export async function searchset(
  services: SearchsetServices,
  target: SearchTarget,
  pairs: Array<[string, string]>,
  strict: boolean,
  run: SearchRunner,
): Promise<string> {
  const parsed = services.search.parse(target.types, pairs, target.extra);
  if (strict && parsed.ignored.length) {
    throw new FhirError(
      'unknown-parameter',
      400,
      parsed.ignored.map((i) => ({
        severity: 'error',
        code: 'not-supported',
        diagnostics: `Parameter "${i.name}" not supported: ${i.reason}`,
        expression: [i.name],
      })),
    );
  }
  if (parsed.request.cursor && parsed.request.cursor.keys.length !== parsed.request.sort.length) {
    throw FhirError.badRequest('invalid-cursor', 'The paging cursor does not belong to this search; start again from the first page', ['_cursor']);
  }
  // The audit trail keeps the search as it ran (form parameters of POST _search included).
  const used = new URLSearchParams(parsed.used).toString();
  const query = `${target.path}${used ? '?' + used : ''}`;
  const result = await run(parsed.request, query);
  const base = services.config.fhirBaseUrl;
  const link = (cursor?: SearchCursor) => {
    const params = new URLSearchParams(parsed.used);
    if (!params.has('_count')) params.set('_count', String(parsed.request.count));
    if (cursor) params.set('_cursor', encodeSearchCursor(cursor));
    const query = params.toString();
    return `${base}${target.path ? '/' + target.path : ''}${query ? '?' + query : ''}`;
  };
  const links = [{ relation: 'self', url: link(parsed.request.cursor) }];
  if (result.next) links.push({ relation: 'next', url: link(result.next) });
  if (result.previous) links.push({ relation: 'previous', url: link(result.previous) });

  const subset = { summary: parsed.summary, elements: parsed.elements };
  const entry = (found: FoundResource, mode: 'match' | 'include'): EntryText => ({
    fullUrl: `${base}/${found.resourceType}/${found.id}`,
    resourceJson: services.subsetter.apply(found.json, subset),
    search: { mode },
  });
  const entries = [...result.matches.map((m) => entry(m, 'match')), ...result.included.map((m) => entry(m, 'include'))];
  const notes = outcomeNotes(parsed, result.includesTruncated);
  if (notes) entries.push({ resourceJson: JSON.stringify(notes), search: { mode: 'outcome' } });
  // Without _total, a single complete page still knows its total for free.
  const onlyPage = !parsed.request.cursor && !result.next && !parsed.request.countOnly && parsed.request.count > 0;
  const total = result.total ?? (onlyPage ? result.matches.length : undefined);
  return bundleJson({ type: 'searchset', total, link: links, entries });
}

function outcomeNotes(parsed: ParsedSearch, includesTruncated: boolean) {
  const issues = parsed.ignored.map((i) => ({
    severity: 'warning' as const,
    code: 'not-supported' as const,
    diagnostics: `Parameter "${i.name}" was ignored: ${i.reason}`,
    expression: [i.name],
  }));
  if (includesTruncated) {
    issues.push({
      severity: 'warning',
      code: 'not-supported',
      diagnostics: `More resources matched _include/_revinclude than one page returns (${parsed.request.maxIncludes}); narrow the search or lower _count`,
      expression: ['_include'],
    } as never);
  }
  return issues.length ? operationOutcome(issues) : undefined;
}
