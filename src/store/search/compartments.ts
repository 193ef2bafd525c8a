// Patient compartments from the official R4 CompartmentDefinition: a resource is in the compartment
// of every Patient its compartment parameters (Observation: subject, performer) refer to, and a
// Patient is in its own. The authorization layer confines patient/ tokens by this.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { fhirDefinitionsDir } from '../../paths.js';
import type { SearchRegistry } from './registry.js';
import type { IndexRows } from './rows.js';

export class PatientCompartment {
  /** Resource type -> index keys of the parameters that place it in a patient's compartment. */
  private readonly keys = new Map<string, Set<number>>();
  /** Resource type -> parameter codes (for compartment search documentation and tests). */
  readonly paramsByType = new Map<string, string[]>();

  constructor(registry: SearchRegistry) {
    const definition = JSON.parse(readFileSync(path.join(fhirDefinitionsDir, 'compartmentdefinition-patient.json'), 'utf8')) as {
      resource: Array<{ code: string; param?: string[] }>;
    };
    for (const { code, param } of definition.resource) {
      if (!param?.length) continue;
      this.paramsByType.set(code, param);
      const keys = new Set<number>();
      for (const p of param) {
        const active = registry.get(code, p);
        if (active?.type === 'reference') keys.add(active.key);
      }
      this.keys.set(code, keys);
    }
  }

  /** Resource types that can be in a patient's compartment. */
  get types(): string[] {
    return ['Patient', ...[...this.paramsByType.keys()].filter((t) => t !== 'Patient')];
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
