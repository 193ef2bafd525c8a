// What the generic app-records routes need to know about one record kind: where it lives, which FHIR
// resources it maps to, how it is validated, built and read back (the pure mappers), and how its
// records are listed. One small definition per kind lives in src/api/kinds/.
import type { Resource } from '@medplum/fhirtypes';
import type { RecordKind } from '../mappers/codes.js';
import type { StoredRecord } from '../mappers/fhir.js';

/** A resource a record maps to besides its main one, by type and id. */
export interface ResourceKey {
  resourceType: string;
  id: string;
}

/** What toFhir gets: whose record, its id, the time, and the parent record's main resource if any. */
export interface BuildContext {
  patientId: string;
  id: string;
  now: Date;
  /** Medication logs: the MedicationRequest the dose belongs to. */
  parent?: Resource;
}

/**
 * Methods (not function properties) on purpose: a RecordDefinition<MoodEntry> is then usable where
 * the generic routes take a RecordDefinition of any record.
 */
export interface RecordDefinition<R extends object = object> {
  /** Path under /api/v1/patients/:patientId/, e.g. "mood-entries" or "medications/:parentId/logs". */
  path: string;
  /** The record-kind tag code on the main resource. */
  kind: RecordKind;
  /** What the record is called in messages ("mood entry"). */
  label: string;
  /** Type of the main resource (the record's id is its id). */
  mainType: string;
  /** Every type the record's resources always have: each must be allowed by the token's scopes. */
  types: readonly string[];
  /**
   * Types that after-write hooks may add (an assessment's suicide-risk Flag and Communication):
   * written under the main type's access, as for a response posted through the FHIR API, and read
   * back only where the token may read them.
   */
  hookTypes?: readonly string[];
  /** Search parameter of the main type that orders the list (newest first) and takes from/to. */
  dateParam: string;
  /** Validates a request body: the record with defaults, or a 400 FhirError naming the fields. */
  validate(input: unknown, now: Date): R;
  /** The resources the API itself writes, main resource first (hooks write the rest). */
  toFhir(record: R, ctx: BuildContext): Resource[];
  /** The record read back from its main resource and the companions found (in companions' order). */
  fromFhir(resources: Resource[]): StoredRecord<R>;
  /** The other resources the record maps to, as the main resource names them (may not all exist). */
  companions(main: Resource): ResourceKey[];
  /** True when the companions are the API's own (replaced and deleted with the record); false when hooks keep them. */
  ownsCompanions: boolean;
  /** Whether a main resource is a record of this kind (default: it carries the record-kind tag). */
  recognises?(main: Resource): boolean;
  /** The search criteria that find the kind's main resources (default: the record-kind tag). */
  kindCriteria?: ReadonlyArray<[string, string]>;
  /** Records under a parent record (medication logs under a medication). */
  parent?: ParentLink;
}

export interface ParentLink {
  definition: RecordDefinition;
  /** Search parameter of the child's main type that references the parent. */
  param: string;
  /** Whether a child's main resource belongs to the parent `Type/id`. */
  belongsTo(main: Resource, parentReference: string): boolean;
}

/** The main resource's record-kind tag is what marks an app record (mapping.md "Common"). */
export function hasKindTag(main: Resource, system: string, kind: RecordKind): boolean {
  return main.meta?.tag?.some((t) => t.system === system && t.code === kind) ?? false;
}
