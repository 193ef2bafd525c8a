// After-write hooks: work that must happen in the same transaction as a write of some resource
// type (deriving scores from a QuestionnaireResponse, raising an alert). The write interactions
// call them after every version they store, for single requests and Bundle entries alike; a hook
// that throws rolls the whole transaction back. Hooks write through the ResourceStore they are
// given, so what they write has its history, index and audit record like any other write; those
// writes do not call hooks again.
import type { Resource } from '@medplum/fhirtypes';
import type { WriteInteraction } from '../../grammar/interaction.js';
import type { ResourceStore, StoredVersion } from '../../store/resources.js';

export interface WrittenVersion {
  interaction: WriteInteraction;
  /** The version just stored (a deletion for `delete`). */
  version: StoredVersion;
  /** The resource as stored; undefined for a deletion. */
  resource?: Resource;
}

export type AfterWriteHook = (s: ResourceStore, written: WrittenVersion) => Promise<void>;

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
    if (!version) return;
    const hooks = this.byType.get(version.resourceType);
    if (!hooks && !this.every.length) return;
    const resource = version.json === null ? undefined : (JSON.parse(version.json) as Resource);
    const derived: WrittenVersion[] = [];
    const store = hooks && this.every.length ? recordingWrites(s, derived) : s;
    for (const hook of hooks ?? []) await hook(store, { interaction, version, resource });
    for (const written of [{ interaction, version, resource }, ...derived]) {
      for (const hook of this.every) await hook(s, written);
    }
  }
}

/** The store, with every version written through it added to `into` (what type hooks write). */
function recordingWrites(s: ResourceStore, into: WrittenVersion[]): ResourceStore {
  const add = (interaction: WriteInteraction, version: StoredVersion | undefined) => {
    if (version) into.push({ interaction, version, resource: version.json === null ? undefined : (JSON.parse(version.json) as Resource) });
  };
  return new Proxy(s, {
    get(target, property, receiver) {
      switch (property) {
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
