// Patient compartments from the official R4 CompartmentDefinition: a resource is in the compartment
// of every Patient its compartment parameters (Observation: subject, performer) refer to, and a
// Patient is in its own. The authorization layer confines patient/ tokens by this.
import { createHash } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { patientCompartmentDefinition } from '../../grammar/patient-compartment.js';
import type { SearchRegistry } from './registry.js';
import type { IndexRows } from './rows.js';

export class PatientCompartment {
  /** Resource type -> index keys of the parameters that place it in a patient's compartment. */
  private readonly keys = new Map<string, Set<number>>();
  /** Resource type -> parameter codes (for compartment search documentation and tests). */
  readonly paramsByType: ReadonlyMap<string, readonly string[]>;
  private readonly typeList: readonly string[];

  constructor(registry: SearchRegistry) {
    const definition = patientCompartmentDefinition();
    this.paramsByType = definition.params;
    this.typeList = definition.types;
    for (const [code, param] of definition.params) {
      const keys = new Set<number>();
      for (const p of param) {
        const active = registry.get(code, p);
        if (active?.type === 'reference') keys.add(active.key);
      }
      this.keys.set(code, keys);
    }
  }

  /** Resource types that can be in a patient's compartment (a fresh array: callers may extend it). */
  get types(): string[] {
    return [...this.typeList];
  }

  /**
   * Whether a reference to Patient/x through parameter `code` (index key `key`) places a resource of
   * `type` in x's compartment: a compartment parameter, or `patient`, which R4 defines as the
   * Patient references of `subject` wherever `subject` is the compartment parameter.
   */
  confines(type: string, code: string, key: number): boolean {
    if (this.keys.get(type)?.has(key)) return true;
    return code === 'patient' && (this.paramsByType.get(type)?.includes('subject') ?? false);
  }

  compartmentsOf(resource: Resource, rows: IndexRows): string[] {
    const result = new Set<string>();
    if (resource.resourceType === 'Patient' && resource.id) result.add(`Patient/${resource.id}`);
    const keys = this.keys.get(resource.resourceType);
    if (keys?.size) {
      for (const r of rows.reference) if (r.targetType === 'Patient' && keys.has(r.param)) result.add(r.ref);
    }
    return [...result];
  }
}

/** The 64-bit key of a patient compartment in search_token_pat, as decimal text (a bigint). */
export function patientKey(compartment: string): string {
  return createHash('sha256').update(compartment).digest().readBigInt64BE(0).toString();
}
