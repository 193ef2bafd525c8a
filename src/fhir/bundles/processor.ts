// POST /fhir with a batch or transaction Bundle.
//
// Transaction: all entries in one database transaction, processed in FHIR's order (DELETE, POST,
// PUT/PATCH, GET/HEAD); the ids of POST and PUT entries are settled first so that references to
// their fullUrls, and conditional references, can be rewritten in every resource before anything
// is written; any failure rolls everything back and answers the failing entry's OperationOutcome.
// Batch: the same order, each entry in a savepoint of one transaction, so a failing entry is undone
// alone and answered with its own status while the others commit together.
import { newResourceId } from '../../store/ids.js';
import type { Resource } from '@medplum/fhirtypes';
import type { Grant } from '../../auth/grant.js';
import { authorizeConditionalReference, authorizeEntry } from '../../auth/bundle-entry.js';
import { FhirError } from '../../errors.js';
import type { Services } from '../../runtime.js';
import type { Access, StoreContext } from '../../store/context.js';
import type { ResourceStore, StoredVersion } from '../../store/resources.js';
import type { PreferReturn } from '../http.js';
import { criteriaKey, parseCriteria } from '../interactions/criteria.js';
import type { WriteOutcome } from '../interactions/write.js';
import { relatedAccess, searchset } from '../searchset.js';
import { parseEntry, PROCESSING_ORDER, type EntryRequest } from './entry-request.js';
import { conditionalReferences, rewriteReferences } from './references.js';
import { bundleResponse, errorResult, type EntryResult } from './response.js';
import { parseJsonBody } from '../../json/body.js';

interface BundleBody {
  resourceType?: unknown;
  type?: unknown;
  entry?: unknown;
}

export class BundleProcessor {
  constructor(
    private readonly services: Services,
    private readonly grant: Grant,
  ) {}

  /** What the token allows for this entry, as if it were a request of its own; 403 otherwise. */
  private access(entry: EntryRequest): Access {
    return authorizeEntry(this.services.auth.authorizer, this.grant, entry);
  }

  /** Answers a batch or transaction Bundle with its response Bundle (JSON text). */
  async process(ctx: StoreContext, body: unknown, prefer: PreferReturn | undefined): Promise<string> {
    const bundle = body as BundleBody;
    if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
      throw FhirError.badRequest('invalid-bundle', 'POST to the base needs a Bundle of type batch or transaction', ['resourceType']);
    }
    if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
      throw FhirError.badRequest('invalid-bundle', `Bundle.type must be "transaction" or "batch", not ${JSON.stringify(bundle.type ?? null)}`, ['Bundle.type']);
    }
    const raw = bundle.entry ?? [];
    if (!Array.isArray(raw)) throw FhirError.badRequest('invalid-bundle', 'Bundle.entry must be an array', ['Bundle.entry']);
    const max = this.services.config.bundleMaxEntries;
    if (raw.length > max) {
      throw FhirError.of('too-costly', 413, 'too-costly', `The Bundle has ${raw.length} entries; this server takes at most ${max} per Bundle`, [
        'Bundle.entry',
      ]);
    }
    this.checkShell(bundle, bundle.type === 'batch');
    return bundle.type === 'transaction' ? this.transaction(ctx, raw, prefer) : this.batch(ctx, raw, prefer);
  }

  /**
   * The Bundle without its entries' resources must be valid R4 (each resource is checked on its
   * own). A batch is checked without its entries at all: a malformed entry fails alone.
   */
  private checkShell(bundle: BundleBody, withoutEntries: boolean): void {
    const shell = {
      ...bundle,
      entry:
        Array.isArray(bundle.entry) && !withoutEntries
          ? bundle.entry.map((e) => (e && typeof e === 'object' ? { ...(e as object), resource: undefined } : e))
          : undefined,
    };
    const issues = this.services.validator.validate(JSON.parse(JSON.stringify(shell)));
    if (issues.length) throw new FhirError('invalid-bundle', 400, issues);
  }

  private async transaction(ctx: StoreContext, raw: unknown[], prefer: PreferReturn | undefined): Promise<string> {
    const { writes, validator, config } = this.services;
    const entries = raw.map((entry, index) => parseEntry(entry, index, config.fhirBaseUrl, validator.resourceTypes));
    // Check every resource before any database work: a bad 7th entry costs no writes at all.
    for (const entry of entries) {
      if (entry.resource && !isPatch(entry)) {
        try {
          const checked = writes.checkResource(entry.type, entry.resource, entry.kind, entry.kind === 'update' ? entry.id : undefined);
          entry.resource = checked as unknown as Record<string, unknown>;
        } catch (error) {
          throw inEntryError(entry, error);
        }
      }
    }
    // Authorize every entry before any database work: a transaction fails whole on the first 403.
    const accesses = entries.map((entry) => {
      try {
        return this.access(entry);
      } catch (error) {
        throw inEntryError(entry, error);
      }
    });
    const ordered = [...entries].sort((a, b) => PROCESSING_ORDER[a.method] - PROCESSING_ORDER[b.method] || a.index - b.index);
    const results = await this.services.store.transaction(ctx, async (store) => {
      // Each entry's store calls run with that entry's access.
      const as = (entry: EntryRequest) => store.as(accesses[entry.index]);
      const results: EntryResult[] = [];
      await lockConditions(store, entries);
      const touched = new Map<string, number>();
      const claim = (entry: EntryRequest, identity: string) => {
        const other = touched.get(identity);
        if (other !== undefined) {
          throw FhirError.badRequest(
            'invalid-bundle',
            `Bundle.entry[${entry.index}] and Bundle.entry[${other}] both change ${identity}; a transaction may change a resource only once`,
          );
        }
        touched.set(identity, entry.index);
      };

      // 1. DELETE
      for (const entry of ordered.filter((e) => e.method === 'DELETE')) {
        results[entry.index] = await inEntry(entry, async () => {
          const id = entry.kind === 'delete' ? entry.id : (await writes.findOneMatch(as(entry), entry.type, entry.criteria ?? [], 'conditional delete'))?.id;
          if (!id) return { status: 204 };
          claim(entry, `${entry.type}/${id}`);
          return toResult(await writes.delete(as(entry), entry.type, id, { ifMatch: entry.ifMatch }));
        });
      }

      // 2-3. Settle the id of every POST, PUT and PATCH, so references can be rewritten.
      const fullUrls = new Map<string, string>();
      const existing = new Map<number, StoredVersion>();
      const targetIds = new Map<number, string>();
      for (const entry of ordered.filter((e) => e.method === 'POST' || e.method === 'PUT' || e.method === 'PATCH')) {
        await inEntry(entry, async () => {
          let id: string;
          if (entry.kind === 'create') {
            const match = entry.ifNoneExist ? await writes.findOneMatch(as(entry), entry.type, entry.ifNoneExist, 'If-None-Exist') : undefined;
            id = match?.id ?? newResourceId();
            if (match) existing.set(entry.index, (await as(entry).read(entry.type, match.id)) as StoredVersion);
          } else if (entry.kind === 'conditional-update') {
            id = (await writes.conditionalUpdateTarget(as(entry), entry.type, entry.criteria ?? [], entry.resource as unknown as Resource)).id;
          } else if (entry.kind === 'conditional-patch') {
            const match = await writes.findOneMatch(as(entry), entry.type, entry.criteria ?? [], 'conditional patch');
            if (!match) throw FhirError.notFound('not-found', `No ${entry.type} matches the criteria of the conditional patch`);
            id = match.id;
          } else {
            id = entry.id as string;
          }
          targetIds.set(entry.index, id);
          if (!existing.has(entry.index)) claim(entry, `${entry.type}/${id}`);
          if (entry.fullUrl) fullUrls.set(entry.fullUrl, `${entry.type}/${id}`);
        });
      }

      // Rewrite fullUrls and conditional references everywhere in the Bundle's resources.
      const conditional = await this.resolveConditionalReferences(store, entries);
      for (const entry of entries) if (entry.resource && !isPatch(entry)) rewriteReferences(entry.resource, fullUrls, conditional);

      // 4. POST: every create that found no match in one statement, their after-write hooks after
      // it as one batch (in entry order), then every other entry: the rest of 4 (creates that
      // found their match), 5. PUT and PATCH, 6. GET and HEAD. A transaction is one unit whose
      // entries' order does not matter (FHIR R4 http.html#trules), so each create's hooks see all
      // of the Bundle's creates.
      const plain = ordered.filter((e) => e.kind === 'create' && !existing.has(e.index));
      const created = await writes.createMany(
        store,
        plain.map((entry) => ({ resource: entry.resource as unknown as Resource, id: targetIds.get(entry.index) as string, access: accesses[entry.index] })),
        (index, error) => inEntryError(plain[index], error),
      );
      plain.forEach((entry, i) => (results[entry.index] = toResult(created[i])));
      const bulk = new Set(plain);
      for (const entry of ordered.filter((e) => e.method !== 'DELETE' && !bulk.has(e))) {
        results[entry.index] = await inEntry(entry, async () => {
          const id = targetIds.get(entry.index) as string;
          switch (entry.kind) {
            case 'create':
              // Only creates whose If-None-Exist found their match are left: answered with it.
              return { status: 200, version: existing.get(entry.index) };
            case 'update':
            case 'conditional-update':
              return toResult(await writes.update(as(entry), entry.type, id, { ...entry.resource, id }, { ifMatch: entry.ifMatch }));
            case 'patch':
            case 'conditional-patch':
              return toResult(await writes.patch(as(entry), entry.type, id, patchOperations(entry), { ifMatch: entry.ifMatch }));
            default:
              return this.read(as(entry), entry);
          }
        });
      }
      return results;
    });
    return bundleResponse('transaction-response', entries, results, prefer, config.fhirBaseUrl);
  }

  private async batch(ctx: StoreContext, raw: unknown[], prefer: PreferReturn | undefined): Promise<string> {
    const { validator, config } = this.services;
    const entries: Array<EntryRequest | undefined> = [];
    const results: EntryResult[] = [];
    raw.forEach((entry, index) => {
      try {
        entries[index] = parseEntry(entry, index, config.fhirBaseUrl, validator.resourceTypes);
      } catch (error) {
        results[index] = errorResult(error);
      }
    });
    const ordered = entries
      .filter((e): e is EntryRequest => e !== undefined)
      .sort((a, b) => PROCESSING_ORDER[a.method] - PROCESSING_ORDER[b.method] || a.index - b.index);
    await this.services.store.transaction(ctx, async (s) => {
      await lockConditions(s, ordered);
      for (const entry of ordered) {
        try {
          results[entry.index] = await s.savepoint(() =>
            inEntry(entry, async () => {
              const access = this.access(entry);
              if (entry.resource && !isPatch(entry)) {
                rewriteReferences(entry.resource, new Map(), await this.resolveConditionalReferences(s, [entry]));
              }
              return this.single(s.as(access), entry);
            }),
          );
        } catch (error) {
          results[entry.index] = errorResult(error);
        }
      }
    });
    return bundleResponse('batch-response', entries, results, prefer, config.fhirBaseUrl);
  }

  /** One entry on its own, as the stand-alone interaction would run it (batch). */
  private async single(s: ResourceStore, entry: EntryRequest): Promise<EntryResult> {
    const { writes } = this.services;
    switch (entry.kind) {
      case 'create':
        return toResult(await writes.create(s, entry.type, entry.resource, { ifNoneExist: entry.ifNoneExist }));
      case 'update':
        return toResult(await writes.update(s, entry.type, entry.id as string, entry.resource, { ifMatch: entry.ifMatch }));
      case 'conditional-update':
        return toResult(await writes.conditionalUpdate(s, entry.type, entry.criteria ?? [], entry.resource, { ifMatch: entry.ifMatch }));
      case 'patch':
        return toResult(await writes.patch(s, entry.type, entry.id as string, patchOperations(entry), { ifMatch: entry.ifMatch }));
      case 'conditional-patch':
        return toResult(await writes.conditionalPatch(s, entry.type, entry.criteria ?? [], patchOperations(entry), { ifMatch: entry.ifMatch }));
      case 'delete':
        return toResult(await writes.delete(s, entry.type, entry.id as string, { ifMatch: entry.ifMatch }));
      case 'conditional-delete':
        return toResult(await writes.conditionalDelete(s, entry.type, entry.criteria ?? []));
      default:
        return this.read(s, entry);
    }
  }

  private async read(s: ResourceStore, entry: EntryRequest): Promise<EntryResult> {
    if (entry.kind === 'search') {
      // As a search request of its own: included and chained resources by the token's rights on their types.
      const searcher = s.as(s.ctx.access, relatedAccess(this.services, this.grant));
      const pairs = [...new URLSearchParams(entry.query ?? '')];
      const json = await searchset(this.services, { types: [entry.type], path: entry.type, extra: [] }, pairs, false, (request, query) =>
        searcher.searchPage(request, query),
      );
      return { status: 200, ...(entry.method === 'HEAD' ? {} : { json }) };
    }
    const version =
      entry.kind === 'vread' ? await s.vread(entry.type, entry.id as string, entry.versionId as number) : await s.read(entry.type, entry.id as string);
    if (!version) throw FhirError.notFound('not-found', `${entry.type}/${entry.id} is not known`);
    if (version.deleted) throw FhirError.gone('deleted', `${entry.type}/${entry.id} was deleted`);
    if (entry.ifNoneMatch && entry.ifNoneMatch.replace(/^W\//, '') === `"${version.versionId}"`) return { status: 304, version: { ...version, json: null } };
    return { status: 200, version: entry.method === 'HEAD' ? { ...version, json: null } : version };
  }

  /** Each distinct conditional reference resolved to the one resource it matches (404 none, 412 several). */
  private async resolveConditionalReferences(s: ResourceStore, entries: EntryRequest[]): Promise<Map<string, string>> {
    const resolved = new Map<string, string>();
    for (const entry of entries) {
      if (!entry.resource || isPatch(entry)) continue;
      for (const reference of conditionalReferences(entry.resource)) {
        if (resolved.has(reference)) continue;
        await inEntry(entry, async () => {
          const [type, query] = [reference.slice(0, reference.indexOf('?')), reference.slice(reference.indexOf('?') + 1)];
          if (!this.services.validator.resourceTypes.has(type))
            throw FhirError.badRequest('unresolved-reference', `The conditional reference "${reference}" names no R4 resource type`);
          const access = authorizeConditionalReference(this.services.auth.authorizer, this.grant, type);
          const match = await this.services.writes.findOneMatch(s.as(access), type, parseCriteria(query), `conditional reference "${reference}"`);
          if (!match) throw FhirError.notFound('unresolved-reference', `The conditional reference "${reference}" matches no resource`);
          resolved.set(reference, `${type}/${match.id}`);
        });
      }
    }
    return resolved;
  }
}

/**
 * Conditional writes of a transaction lock their criteria up front, in one sorted order, so two
 * transactions that share conditions queue instead of deadlocking.
 */
async function lockConditions(s: ResourceStore, entries: EntryRequest[]): Promise<void> {
  const keys = new Set<string>();
  for (const entry of entries) {
    if (entry.ifNoneExist) keys.add(criteriaKey(entry.type, entry.ifNoneExist));
    if (entry.criteria) keys.add(criteriaKey(entry.type, entry.criteria));
  }
  for (const key of [...keys].sort()) await s.lockCondition(key);
}

function isPatch(entry: EntryRequest): boolean {
  return entry.kind === 'patch' || entry.kind === 'conditional-patch';
}

/** A PATCH entry carries its JSON Patch as a Binary (FHIRPath Patch is not supported). */
function patchOperations(entry: EntryRequest): unknown {
  const resource = entry.resource as { resourceType?: string; contentType?: string; data?: string };
  if (resource.resourceType === 'Parameters') {
    throw FhirError.notSupported(
      'not-supported',
      'FHIRPath Patch (Parameters) is not supported; send a Binary with contentType application/json-patch+json',
      422,
    );
  }
  if (resource.resourceType !== 'Binary' || resource.contentType !== 'application/json-patch+json' || typeof resource.data !== 'string') {
    throw FhirError.badRequest(
      'invalid-patch',
      'A PATCH entry needs a Binary resource with contentType application/json-patch+json and the patch in data (base64)',
    );
  }
  const patch = parseJsonBody(Buffer.from(resource.data, 'base64').toString('utf8'));
  if (patch === undefined) throw FhirError.badRequest('invalid-patch', 'The Binary of a PATCH entry does not hold JSON');
  return patch;
}

function toResult(outcome: WriteOutcome): EntryResult {
  return { status: outcome.status, version: outcome.version };
}

/** Runs fn for one entry; its failure names the entry (index, method, url). */
async function inEntry<T>(entry: EntryRequest, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw inEntryError(entry, error);
  }
}

/** The error, with its diagnostics and expressions pointing into the entry. */
function inEntryError(entry: EntryRequest, error: unknown): unknown {
  if (!(error instanceof FhirError)) return error;
  const at = `Bundle.entry[${entry.index}]`;
  if (error.issues.every((i) => i.diagnostics.startsWith(at))) return error;
  return new FhirError(
    error.code,
    error.status,
    error.issues.map((i) => ({
      ...i,
      diagnostics: `${at} (${entry.method} ${entry.url.slice(0, 80)}): ${i.diagnostics}`,
      expression: i.expression?.map((e) => (e.startsWith('Bundle.') ? e : `${at}.resource.${e.replace(/^[A-Za-z]+\./, '')}`)) ?? [at],
    })),
    error.headers,
  );
}
