// After-write hooks: work that must happen in the same transaction as a write of some resource
// type (deriving scores from a QuestionnaireResponse, raising an alert). The write interactions
// call them after every version they store, for single requests and Bundle entries alike; a hook
// that throws rolls the whole transaction back. Hooks write through the ResourceStore they are
// given, so what they write has its history, index and audit record like any other write; those
// writes do not call hooks again.
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore, StoredVersion } from '../../store/resources.js';

export type WriteInteraction = 'create' | 'update' | 'patch' | 'delete';

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

  /** Runs `hook` after every write of a `resourceType`, in the order hooks were added. */
  on(resourceType: string, hook: AfterWriteHook): this {
    this.byType.set(resourceType, [...(this.byType.get(resourceType) ?? []), hook]);
    return this;
  }

  /** Whether writes of this type run hooks (and so need a transaction around them). */
  has(resourceType: string): boolean {
    return this.byType.has(resourceType);
  }

  /** Calls the hooks of the version's type; the stored JSON is parsed only when there are some. */
  async afterWrite(s: ResourceStore, interaction: WriteInteraction, version: StoredVersion | undefined): Promise<void> {
    const hooks = version && this.byType.get(version.resourceType);
    if (!version || !hooks) return;
    const resource = version.json === null ? undefined : (JSON.parse(version.json) as Resource);
    for (const hook of hooks) await hook(s, { interaction, version, resource });
  }
}
