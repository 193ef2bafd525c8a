// After-write hooks: work that must happen in the same transaction as a write of some resource
// type (deriving scores from a QuestionnaireResponse, raising an alert). The write interactions
// call them after every version they store, for single requests and Bundle entries alike; a hook
// that throws rolls the whole transaction back. Hooks write through the ResourceStore they are
// given, so what they write has its history, index and audit record like any other write; those
// writes do not call hooks again.
import type { Resource } from '@medplum/fhirtypes';
import type { WriteInteraction } from '../../grammar/interaction.js';
import type { ResourceStore, StoredVersion } from '../../store/resources.js';
import { HookBatch } from './hook-batch.js';

export interface WrittenVersion {
  interaction: WriteInteraction;
  /** The version just stored (a deletion for `delete`). */
  version: StoredVersion;
  /** The resource as stored; undefined for a deletion. */
  resource?: Resource;
}

/**
 * A hook on one version. `batch` holds the look-ups shared with the other versions written together
 * (a transaction Bundle's creates); a hook that uses none may ignore it.
 */
export type AfterWriteHook = (s: ResourceStore, written: WrittenVersion, batch: HookBatch) => Promise<void>;

/** One version whose hooks are to run, with the store (and so the access) of its own write. */
export interface VersionWritten {
  s: ResourceStore;
  interaction: WriteInteraction;
  version: StoredVersion;
}

export class WriteHooks {
  private readonly byType = new Map<string, AfterWriteHook[]>();
  /**
   * Hooks on every write of every type (Subscription matching), run after the type's hooks, for
   * the version written and for each version those hooks wrote (a derived Flag is matched too).
   */
  private readonly every: AfterWriteHook[] = [];

  /** Runs `hook` after every write of a `resourceType`, in the order hooks were added. */
  on(resourceType: string, hook: AfterWriteHook): this {
    this.byType.set(resourceType, [...(this.byType.get(resourceType) ?? []), hook]);
    return this;
  }

  /** Runs `hook` after every write of any type, after the type's own hooks. */
  onEvery(hook: AfterWriteHook): this {
    this.every.push(hook);
    return this;
  }

  /** Whether writes of this type run hooks (and so need a transaction around them). */
  has(resourceType: string): boolean {
    return this.every.length > 0 || this.byType.has(resourceType);
  }

  /** Calls the hooks of the version's type; the stored JSON is parsed only when there are some. */
  async afterWrite(s: ResourceStore, interaction: WriteInteraction, version: StoredVersion | undefined): Promise<void> {
    if (version) await this.afterWriteMany([{ s, interaction, version }]);
  }

  /**
   * The hooks of versions stored together (one statement), one version after the other exactly as
   * afterWrite would run them, sharing one HookBatch. A failure of the i-th is `itemError(i, error)`.
   */
  async afterWriteMany(written: readonly VersionWritten[], itemError?: (index: number, error: unknown) => unknown): Promise<void> {
    if (!written.some((w) => this.has(w.version.resourceType))) return;
    const batch = new HookBatch(written.map((w) => w.version));
    for (const [index, { s, interaction, version }] of written.entries()) {
      try {
        await this.runHooks(s, interaction, version, batch);
      } catch (error) {
        throw itemError ? itemError(index, error) : error;
      }
    }
  }

  private async runHooks(s: ResourceStore, interaction: WriteInteraction, version: StoredVersion, batch: HookBatch): Promise<void> {
    const hooks = this.byType.get(version.resourceType);
    if (!hooks && !this.every.length) return;
    const resource = parsed(version);
    const derived: WrittenVersion[] = [];
    // What the type's hooks write is matched by the every-type hooks, and ends the batch's look-ups
    // that depend on its type.
    const store = watchWrites(s, (w) => {
      batch.changed(w.version.resourceType);
      if (this.every.length) derived.push(w);
    });
    for (const hook of hooks ?? []) await hook(store, { interaction, version, resource }, batch);
    for (const one of [{ interaction, version, resource }, ...derived]) {
      for (const hook of this.every) await hook(s, one, batch);
    }
  }
}

function parsed(version: StoredVersion): Resource | undefined {
  return version.json === null ? undefined : (JSON.parse(version.json) as Resource);
}

/**
 * The store, calling `onWrite` with every version written through it, or through any store made
 * from it with `as` (hooks write as the patient's care team: forPatient(s, ...)).
 */
function watchWrites(s: ResourceStore, onWrite: (written: WrittenVersion) => void): ResourceStore {
  const add = (interaction: WriteInteraction, version: StoredVersion | undefined) => {
    if (version) onWrite({ interaction, version, resource: parsed(version) });
  };
  return new Proxy(s, {
    get(target, property, receiver) {
      switch (property) {
        case 'as':
          return (...args: Parameters<ResourceStore['as']>) => watchWrites(target.as(...args), onWrite);
        case 'create':
          return async (...args: Parameters<ResourceStore['create']>) => {
            const version = await target.create(...args);
            add('create', version);
            return version;
          };
        case 'update':
          return async (...args: Parameters<ResourceStore['update']>) => {
            const result = await target.update(...args);
            add(result.created ? 'create' : 'update', result.version);
            return result;
          };
        case 'delete':
          return async (...args: Parameters<ResourceStore['delete']>) => {
            const result = await target.delete(...args);
            add('delete', result.version);
            return result;
          };
        default:
          return Reflect.get(target, property, receiver);
      }
    },
  });
}
