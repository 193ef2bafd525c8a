// What the after-write hooks of versions written together share: a transaction Bundle's creates
// are stored by one statement, then their hooks run one version after the other, and the look-ups
// that are the same for every version (the Subscriptions on a type, a patient's alert limits) are
// made once for the batch instead of once per version. A look-up is remembered only until a hook
// writes a resource of a type it depends on; then the next hook asks the database again, so every
// hook sees what it would have seen on its own.
import type { StoredVersion } from '../../store/version.js';

/** Look-ups shared by the hooks of one batch (what hooks and the code they call are given). */
export interface SharedLookups {
  /**
   * `load()`, or what it gave for the same key earlier in the batch, as long as no hook has written
   * a resource of a type in `dependsOn` since (`'any'`: no hook has written anything since).
   */
  lookup<T>(key: string, dependsOn: readonly string[] | 'any', load: () => Promise<T>): Promise<T>;
}

interface Remembered {
  dependsOn: ReadonlySet<string> | 'any';
  value: Promise<unknown>;
}

export class HookBatch implements SharedLookups {
  private readonly remembered = new Map<string, Remembered>();

  /** `versions`: everything written together, in order (one version for a single write). */
  constructor(private readonly versions: readonly StoredVersion[] = []) {}

  /** The versions of a type written together in this batch (so a hook may match them at once). */
  written(resourceType: string): StoredVersion[] {
    return this.versions.filter((v) => v.resourceType === resourceType && !v.deleted);
  }

  lookup<T>(key: string, dependsOn: readonly string[] | 'any', load: () => Promise<T>): Promise<T> {
    const known = this.remembered.get(key);
    if (known) return known.value as Promise<T>;
    const value = load();
    this.remembered.set(key, { dependsOn: dependsOn === 'any' ? 'any' : new Set(dependsOn), value });
    // A failed look-up is not remembered (the hook's error fails the write anyway).
    value.catch(() => this.remembered.delete(key));
    return value;
  }

  /** A hook wrote a resource of this type: forget what depends on it. */
  changed(resourceType: string): void {
    for (const [key, { dependsOn }] of this.remembered) {
      if (dependsOn === 'any' || dependsOn.has(resourceType)) this.remembered.delete(key);
    }
  }
}
