// Reading app records back from the store: a record's main resource, then its companions (vital-sign
// measurements, goals, derived scores, alerts) fetched by id in one search per type, and the pure
// mapper's fromFhir over them. Every read is a store search or read, so the caller's access applies
// in SQL and the audit trail records it.
import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import { RecordShapeError, type StoredRecord } from '../mappers/fhir.js';
import { SYSTEM } from '../mappers/codes.js';
import type { SearchEngine } from '../store/search/engine.js';
import type { SearchRequest } from '../store/search/request.js';
import type { SearchResult } from '../store/search/run.js';
import { hasKindTag, type RecordDefinition, type ResourceKey } from './record-definition.js';
import type { ListQuery } from './list-query.js';

/** Runs one search as the caller: outside a transaction (Store.searchPage) or inside one. */
export type SearchRunner = (request: SearchRequest, query: string) => Promise<SearchResult>;

/** Where a record lives: the patient of the URL, and the parent record's main resource if any. */
export interface RecordScope {
  patientId: string;
  /** `MedicationRequest/<id>` of a medication log's medication. */
  parentReference?: string;
}

/** Ids per search statement: well under the search's largest page. */
const IDS_PER_SEARCH = 200;

export class RecordReader {
  constructor(
    private readonly search: SearchEngine,
    private readonly run: SearchRunner,
  ) {}

  /** The records of one kind in the scope, newest first. */
  async list(definition: RecordDefinition, scope: RecordScope, query: ListQuery): Promise<Array<StoredRecord<object>>> {
    const pairs: Array<[string, string]> = [
      ...(definition.kindCriteria ?? [['_tag', `${SYSTEM.recordKind}|${definition.kind}`] as [string, string]]),
      ['patient', `Patient/${scope.patientId}`],
    ];
    if (definition.parent && scope.parentReference) pairs.push([definition.parent.param, scope.parentReference]);
    if (query.from) pairs.push([definition.dateParam, `ge${query.from}`]);
    if (query.to) pairs.push([definition.dateParam, `le${query.to}`]);
    pairs.push(['_sort', `-${definition.dateParam}`], ['_count', String(query.limit)]);
    const mains = await this.find(definition.mainType, pairs);
    const records = await this.assemble(definition, mains.filter((main) => belongs(definition, main, scope)));
    // A record that its resources no longer make (changed through the FHIR API) is left out of lists;
    // reading it by id says why.
    return records.filter((r): r is StoredRecord<object> => !(r instanceof RecordShapeError));
  }

  /** One record from its main resource, or a 404 naming what it is not. */
  async one(definition: RecordDefinition, main: Resource): Promise<StoredRecord<object>> {
    const [record] = await this.assemble(definition, [main]);
    if (record instanceof RecordShapeError) {
      throw FhirError.notFound('not-found', `${definition.mainType}/${main.id} cannot be read as a ${definition.label}: ${record.message}`);
    }
    return record;
  }

  private async assemble(definition: RecordDefinition, mains: Resource[]): Promise<Array<StoredRecord<object> | RecordShapeError>> {
    const wanted = mains.map((main) => definition.companions(main));
    const found = await this.byIds(wanted.flat());
    return mains.map((main, i) => {
      const companions = wanted[i].flatMap((key) => found.get(`${key.resourceType}/${key.id}`) ?? []);
      try {
        return definition.fromFhir([main, ...companions]);
      } catch (error) {
        if (error instanceof RecordShapeError) return error;
        throw error;
      }
    });
  }

  /** Current resources by type and id (missing and invisible ones are simply absent). */
  private async byIds(keys: ResourceKey[]): Promise<Map<string, Resource>> {
    const byType = new Map<string, Set<string>>();
    for (const { resourceType, id } of keys) byType.set(resourceType, (byType.get(resourceType) ?? new Set()).add(id));
    const found = new Map<string, Resource>();
    for (const [type, idSet] of byType) {
      const ids = [...idSet];
      for (let i = 0; i < ids.length; i += IDS_PER_SEARCH) {
        const chunk = ids.slice(i, i + IDS_PER_SEARCH);
        for (const resource of await this.find(type, [['_id', chunk.join(',')], ['_count', String(chunk.length)]])) {
          found.set(`${type}/${resource.id}`, resource);
        }
      }
    }
    return found;
  }

  private async find(type: string, pairs: Array<[string, string]>): Promise<Resource[]> {
    const parsed = this.search.parse([type], pairs);
    // Every parameter here is Haven's own choice: one the engine ignores is a bug, not a client error.
    if (parsed.ignored.length) throw new Error(`App records search of ${type} ignored ${parsed.ignored.map((i) => i.name).join(', ')}`);
    const query = `${type}?${new URLSearchParams(parsed.used).toString()}`;
    const result = await this.run(parsed.request, query);
    return result.matches.map((m) => JSON.parse(m.json) as Resource);
  }
}

/**
 * Whether a main resource is a record of this kind in this scope: of the patient of the URL, marked
 * as the kind (or recognised by its shape), and under the parent of the URL.
 */
export function belongs(definition: RecordDefinition, main: Resource, scope: RecordScope): boolean {
  if (main.resourceType !== definition.mainType) return false;
  const subject = (main as { subject?: { reference?: string } }).subject?.reference;
  if (subject !== `Patient/${scope.patientId}`) return false;
  const recognised = hasKindTag(main, SYSTEM.recordKind, definition.kind) || (definition.recognises?.(main) ?? false);
  if (!recognised) return false;
  return !definition.parent || (scope.parentReference !== undefined && definition.parent.belongsTo(main, scope.parentReference));
}
