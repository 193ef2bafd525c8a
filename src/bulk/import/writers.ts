// How imported resources are written: through the server's own Bundle processing, so each one has
// exactly the validation, conditional-reference resolution, index, after-write hooks (scores,
// alert rules) and audit record of a POST. NDJSON lines go as batch Bundles (one transaction per
// batch, each entry in a savepoint: a bad line is refused alone); transaction Bundles (Synthea)
// go as they are. The dry-run writer only validates.
import { randomUUID } from 'node:crypto';
import type { Grant } from '../../auth/grant.js';
import { parseScopes } from '../../auth/scopes.js';
import { FhirError } from '../../errors.js';
import { BundleProcessor } from '../../fhir/bundles/processor.js';
import type { WriteInteractions } from '../../fhir/interactions/write.js';
import type { Services } from '../../runtime.js';
import type { Resource } from '@medplum/fhirtypes';
import { ALL_ACCESS, type Access, type StoreContext } from '../../store/context.js';

export type Json = Record<string, unknown>;

export interface EntryOutcome {
  ok: boolean;
  resourceType?: string;
  id?: string;
  status: number;
  reason?: string;
}

export interface ImportWriter {
  /**
   * Independent resources (NDJSON lines): each stored or refused on its own. `after`: the batch
   * before this one, still being written; this one's after-write hooks (and anything but its
   * insert) wait for it, so they see what it stored.
   */
  resources(resources: Json[], after?: Promise<unknown>): Promise<EntryOutcome[]>;
  /** A Bundle as one unit: a transaction stores all of its entries or none. */
  bundle(bundle: Json): Promise<EntryOutcome[]>;
}

/** The importer acts as a backend service of the server itself, with every right (the operator's). */
const IMPORT_SCOPE = 'system/*.cruds';

export class StoreWriter implements ImportWriter {
  private readonly grant: Grant;
  private readonly processor: BundleProcessor;

  constructor(
    private readonly services: Services,
    private readonly runId = randomUUID(),
  ) {
    this.grant = { issuer: 'haven', subject: 'haven-import', scopes: parseScopes(IMPORT_SCOPE).resources, admin: false, scope: IMPORT_SCOPE };
    this.processor = new BundleProcessor(services, this.grant);
  }

  private ctx(): StoreContext {
    // Who acts, in the audit trail: the import run (its id is the request id of every record).
    return { actor: { requestId: `import-${this.runId}`, subject: 'haven-import' }, access: ALL_ACCESS };
  }

  async resources(resources: Json[], after?: Promise<unknown>): Promise<EntryOutcome[]> {
    const created = await this.createAll(resources, after);
    if (created) return created;
    await after;
    return this.batch(resources);
  }

  /**
   * The fast path of a first load: every resource has an id of its own and no conditional
   * reference. Then the batch is what a transaction Bundle's creates are: each resource checked as
   * a write is, all created in one statement with their history, index rows and (by the triggers)
   * audit records, then their after-write hooks (scores, alert rules, Subscription matching) as
   * one batch. When that transaction fails as a FHIR error (an id that exists already, a hook
   * refusing a resource), nothing of it stays and the batch takes the general path (undefined),
   * where each resource is stored or refused on its own. The statement may run while the batch
   * before (`after`) is still in its transaction; the hooks wait for it.
   */
  private async createAll(resources: Json[], after?: Promise<unknown>): Promise<EntryOutcome[] | undefined> {
    const { writes, store } = this.services;
    const simple = resources.every((r) => {
      const type = typeOf(r);
      return type !== undefined && idOf(r) !== undefined && !JSON.stringify(r).match(/"reference":"[^"]*\?/);
    });
    if (!simple) return undefined;
    const outcomes: EntryOutcome[] = [];
    const items: Array<{ resource: Resource; id: string; access: Access }> = [];
    for (const r of resources) {
      const type = typeOf(r) as string;
      const id = idOf(r) as string;
      try {
        items.push({ resource: writes.checkResource(type, r, 'update', id), id, access: ALL_ACCESS });
        outcomes.push({ ok: true, resourceType: type, id, status: 201 });
      } catch (error) {
        if (!(error instanceof FhirError)) throw error;
        outcomes.push({ ok: false, resourceType: type, id, status: error.status, reason: error.message });
      }
    }
    try {
      await store.transaction(this.ctx(), (s) =>
        writes.createMany(s, items, undefined, async () => {
          await after;
        }),
      );
    } catch (error) {
      if (error instanceof FhirError) return undefined;
      throw error;
    }
    return outcomes;
  }

  private async batch(resources: Json[]): Promise<EntryOutcome[]> {
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: resources.map((r) => ({ resource: r, request: requestOf(r) })) };
    const response = JSON.parse(await this.processor.process(this.ctx(), bundle, 'minimal')) as { entry?: Array<{ response?: ResponsePart }> };
    return resources.map((r, i) => outcomeOf(r, response.entry?.[i]?.response));
  }

  async bundle(bundle: Json): Promise<EntryOutcome[]> {
    const entries = (Array.isArray(bundle.entry) ? bundle.entry : []) as Array<{ resource?: Json; fullUrl?: string; request?: unknown }>;
    const asTransaction =
      bundle.type === 'transaction' || bundle.type === 'batch'
        ? bundle
        : // A collection (or any other Bundle) is stored as a transaction of its resources, so
          // urn:uuid references between its entries are rewritten to the ids they receive.
          {
            resourceType: 'Bundle',
            type: 'transaction',
            entry: entries
              .filter((e) => e.resource)
              .map((e) => ({ ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}), resource: e.resource, request: requestOf(e.resource as Json, e.fullUrl) })),
          };
    const sent = (asTransaction.entry as Array<{ resource?: Json }>) ?? [];
    try {
      const response = JSON.parse(await this.processor.process(this.ctx(), asTransaction, 'minimal')) as { entry?: Array<{ response?: ResponsePart }> };
      return sent.map((e, i) => outcomeOf(e.resource ?? {}, response.entry?.[i]?.response));
    } catch (error) {
      if (!(error instanceof FhirError)) throw error;
      // A transaction fails whole: every entry is refused, for the one reason.
      return sent.map((e) => ({ ok: false, resourceType: typeOf(e.resource), id: idOf(e.resource), status: error.status, reason: error.message }));
    }
  }
}

/** Validates as a write would, and stores nothing (--dry-run). */
export class DryRunWriter implements ImportWriter {
  constructor(private readonly writes: WriteInteractions) {}

  async resources(resources: Json[], after?: Promise<unknown>): Promise<EntryOutcome[]> {
    await after;
    return resources.map((r) => this.check(r));
  }

  async bundle(bundle: Json): Promise<EntryOutcome[]> {
    const entries = (Array.isArray(bundle.entry) ? bundle.entry : []) as Array<{ resource?: Json }>;
    return entries.filter((e) => e.resource).map((e) => this.check(e.resource as Json));
  }

  private check(resource: Json): EntryOutcome {
    const type = typeOf(resource);
    try {
      if (!type) throw FhirError.badRequest('invalid-resource', 'The line is not a FHIR resource (no resourceType)');
      const id = idOf(resource);
      this.writes.checkResource(type, resource, id ? 'update' : 'create', id);
      return { ok: true, resourceType: type, id, status: 200 };
    } catch (error) {
      if (!(error instanceof FhirError)) throw error;
      return { ok: false, resourceType: type, id: idOf(resource), status: error.status, reason: error.message };
    }
  }
}

interface ResponsePart {
  status?: string;
  outcome?: { issue?: Array<{ diagnostics?: string }> };
}

/** PUT Type/id keeps the id the data came with (references to it stay valid); POST otherwise. */
function requestOf(resource: Json, fullUrl?: string): { method: string; url: string } {
  const type = typeOf(resource) ?? 'Resource';
  const id = idOf(resource);
  if (id && !fullUrl?.startsWith('urn:')) return { method: 'PUT', url: `${type}/${id}` };
  return { method: 'POST', url: type };
}

function outcomeOf(resource: Json, response: ResponsePart | undefined): EntryOutcome {
  const status = Number.parseInt(response?.status ?? '500', 10);
  const ok = status >= 200 && status < 300;
  return {
    ok,
    resourceType: typeOf(resource),
    id: idOf(resource),
    status,
    // The batch names its entry ("Bundle.entry[3] (PUT Patient/x): ..."); the report names the line.
    ...(ok
      ? {}
      : {
          reason:
            response?.outcome?.issue
              ?.map((i) => i.diagnostics?.replace(/^Bundle\.entry\[\d+\] \([^)]*\): /, ''))
              .filter(Boolean)
              .join('; ') || `refused with ${status}`,
        }),
  };
}

function typeOf(resource: unknown): string | undefined {
  const type = (resource as Json | undefined)?.resourceType;
  return typeof type === 'string' ? type : undefined;
}

function idOf(resource: unknown): string | undefined {
  const id = (resource as Json | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}
