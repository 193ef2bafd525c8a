// Reading app records back from the store: a record's main resource, then its companions (vital-sign
// measurements, goals, derived scores, alerts) fetched by id in one search per type, and the pure
// mapper's fromFhir over them. Every read is a store search or read, so the caller's access applies
// in SQL and the audit trail records it. The records API lists and reads one record kind at a time;
// the patient summary (summary/records.ts) reads every page of several kinds in the patient's
// compartment through the same reader.
import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import { RecordShapeError, type StoredRecord } from '../mappers/fhir.js';
import { SYSTEM } from '../mappers/codes.js';
import type { StoreContext } from '../store/context.js';
import type { SearchEngine } from '../store/search/engine.js';
import type { SearchCursor, SearchRequest } from '../store/search/request.js';
import type { SearchResult } from '../store/search/run.js';
import type { Store } from '../store/store.js';
import { hasKindTag, type RecordDefinition, type ResourceKey } from './record-definition.js';
import type { ListQuery } from './list-query.js';

/** Runs one search as the caller: outside a transaction (Store.searchPage) or inside one. */
export type SearchRunner = (request: SearchRequest, query: string) => Promise<SearchResult>;

/** Reads records as the caller, outside a transaction: every search runs with the caller's access and is audited. */
export function callerReader(search: SearchEngine, store: Store, ctx: StoreContext): RecordReader {
  return new RecordReader(search, (request, query) => store.reader(ctx).searchPage(request, query));
}

/** Where a record lives: the patient of the URL, and the parent record's main resource if any. */
export interface RecordScope {
  patientId: string;
  /** `MedicationRequest/<id>` of a medication log's medication. */
  parentReference?: string;
}

/** Ids per search statement: well under the search's largest page. */
const IDS_PER_SEARCH = 200;

export interface FindOptions {
  /** Confined to this patient's compartment (the query, as audited, reads `Patient/<id>/<type>`). */
  compartment?: string;
  /** Every page, not the first alone; `onPage` may end the reading early by answering true. */
  everyPage?: boolean;
  onPage?: (page: Resource[]) => Promise<boolean>;
}

/** How records are read in a patient's compartment: the page size, and how the resources are read back. */
export interface CompartmentRead<R> {
  count: number;
  /** The record from its main resource and companions (default: the definition's fromFhir). */
  read?: (resources: Resource[]) => R;
  /** Told the records read so far after each page; answering true ends the reading. */
  enough?: (records: readonly R[]) => boolean;
}

export class RecordReader {
  constructor(
    private readonly search: SearchEngine,
    private readonly run: SearchRunner,
  ) {}

  /** The records of one kind in the scope, newest first. */
  async list(definition: RecordDefinition, scope: RecordScope, query: ListQuery): Promise<Array<StoredRecord<object>>> {
    const pairs: Array<[string, string]> = [...kindCriteriaOf(definition), ['patient', `Patient/${scope.patientId}`]];
    if (definition.parent && scope.parentReference) pairs.push([definition.parent.param, scope.parentReference]);
    if (query.from) pairs.push([definition.dateParam, `ge${query.from}`]);
    if (query.to) pairs.push([definition.dateParam, `le${query.to}`]);
    pairs.push(['_sort', `-${definition.dateParam}`], ['_count', String(query.limit)]);
    const mains = await this.find(definition.mainType, pairs);
    const records = await this.assemble(
      definition,
      mains.filter((main) => belongs(definition, main, scope)),
    );
    // A record that its resources no longer make (changed through the FHIR API) is left out of lists;
    // reading it by id says why.
    return records.filter((r): r is StoredRecord<object> => !(r instanceof RecordShapeError));
  }

  /**
   * Every record of one kind in the patient's compartment that matches `criteria`, every page (or
   * until `enough`), companions read in the compartment too. Resources that no longer make a record
   * are left out.
   */
  async inCompartment<R = StoredRecord<object>>(
    definition: RecordDefinition,
    patientId: string,
    criteria: Array<[string, string]>,
    options: CompartmentRead<R>,
  ): Promise<R[]> {
    const read = options.read ?? ((resources: Resource[]) => definition.fromFhir(resources) as R);
    const found: R[] = [];
    await this.find(definition.mainType, [...kindCriteriaOf(definition), ...criteria, ['_count', String(options.count)]], {
      compartment: patientId,
      everyPage: true,
      onPage: async (mains) => {
        for (const record of await this.assemble(definition, mains, read, patientId)) if (!(record instanceof RecordShapeError)) found.push(record);
        return options.enough?.(found) ?? false;
      },
    });
    return found;
  }

  /** One record from its main resource, or a 404 naming what it is not. */
  async one(definition: RecordDefinition, main: Resource): Promise<StoredRecord<object>> {
    const [record] = await this.assemble(definition, [main]);
    if (record instanceof RecordShapeError) {
      throw FhirError.notFound('not-found', `${definition.mainType}/${main.id} cannot be read as a ${definition.label}: ${record.message}`);
    }
    return record;
  }

  private async assemble<R = StoredRecord<object>>(
    definition: RecordDefinition,
    mains: Resource[],
    read: (resources: Resource[]) => R = (resources) => definition.fromFhir(resources) as R,
    compartment?: string,
  ): Promise<Array<R | RecordShapeError>> {
    const wanted = mains.map((main) => definition.companions(main));
    const found = await this.byIds(wanted.flat(), compartment);
    return mains.map((main, i) => {
      const companions = wanted[i].flatMap((key) => found.get(`${key.resourceType}/${key.id}`) ?? []);
      try {
        return read([main, ...companions]);
      } catch (error) {
        if (error instanceof RecordShapeError) return error;
        throw error;
      }
    });
  }

  /** Current resources by type and id (missing and invisible ones are simply absent). */
  private async byIds(keys: ResourceKey[], compartment?: string): Promise<Map<string, Resource>> {
    const byType = new Map<string, Set<string>>();
    for (const { resourceType, id } of keys) byType.set(resourceType, (byType.get(resourceType) ?? new Set()).add(id));
    const found = new Map<string, Resource>();
    for (const [type, idSet] of byType) {
      const ids = [...idSet];
      for (let i = 0; i < ids.length; i += IDS_PER_SEARCH) {
        const chunk = ids.slice(i, i + IDS_PER_SEARCH);
        // Every page: a server with SEARCH_MAX_COUNT below the chunk pages even a search by ids.
        for (const resource of await this.find(
          type,
          [
            ['_id', chunk.join(',')],
            ['_count', String(chunk.length)],
          ],
          { compartment, everyPage: true },
        )) {
          found.set(`${type}/${resource.id}`, resource);
        }
      }
    }
    return found;
  }

  /** The resources of one search as the caller: its first page, or every page. */
  async find(type: string, pairs: Array<[string, string]>, options: FindOptions = {}): Promise<Resource[]> {
    const { compartment } = options;
    const extra = compartment === undefined ? [] : [{ kind: 'compartment' as const, compartment: `Patient/${compartment}` }];
    const parsed = this.search.parse([type], pairs, extra);
    // Every parameter here is Haven's own choice: one the engine ignores is a bug, not a client error.
    if (parsed.ignored.length) throw new Error(`App records search of ${type} ignored ${parsed.ignored.map((i) => i.name).join(', ')}`);
    const query = `${compartment === undefined ? type : `Patient/${compartment}/${type}`}?${new URLSearchParams(parsed.used).toString()}`;
    const all: Resource[] = [];
    let cursor: SearchCursor | undefined;
    do {
      const result = await this.run({ ...parsed.request, ...(cursor ? { cursor } : {}) }, query);
      const page = result.matches.map((m) => JSON.parse(m.json) as Resource);
      all.push(...page);
      if (!options.everyPage || (options.onPage && (await options.onPage(page)))) break;
      cursor = result.next;
    } while (cursor);
    return all;
  }
}

/** The search criteria that find a kind's main resources: its own, or its record-kind tag. */
function kindCriteriaOf(definition: RecordDefinition): Array<[string, string]> {
  return [...(definition.kindCriteria ?? [['_tag', `${SYSTEM.recordKind}|${definition.kind}`] as [string, string]])];
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
