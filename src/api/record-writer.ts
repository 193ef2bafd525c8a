// Writing app records: every resource of a record in ONE store transaction, through the same write
// interactions as the FHIR API (R4 validation, history, search index, audit, after-write hooks such
// as PHQ-9/GAD-7 scoring). A replace writes only what changed and deletes the companions the record
// no longer has (a removed goal or measurement); a delete removes the record's resources.
import { newResourceId } from '../store/ids.js';
import type { Identifier, Resource } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import { sameContent } from '../fhir/content.js';
import type { WriteInteractions } from '../fhir/interactions/write.js';
import type { StoredRecord } from '../mappers/fhir.js';
import type { Access, StoreContext } from '../store/context.js';
import type { ResourceStore } from '../store/resources.js';
import type { Store } from '../store/store.js';
import type { SearchEngine } from '../store/search/engine.js';
import { raisedIn } from '../alerts/raised.js';
import type { RecordDefinition } from './record-definition.js';
import { belongs, RecordReader, type RecordScope } from './record-reader.js';

/** Where a write happens and with what access (see record-access.ts). */
export interface WriteTarget {
  definition: RecordDefinition;
  scope: RecordScope;
  ctx: StoreContext;
  /** Access to the main type: the patient of the URL must be visible with it. */
  main: Access;
  /** Access to read the parent record, for records that have one. */
  parent?: Access;
  /**
   * An identifier for the main resource, which no record field holds: an importer's link to the
   * entry the record came from (src/bulk/import/pmaction/). A replace without one keeps the stored one.
   */
  identifier?: Identifier;
}

export class RecordWriter {
  constructor(
    private readonly store: Store,
    private readonly writes: WriteInteractions,
    private readonly search: SearchEngine,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(target: WriteTarget, record: object): Promise<StoredRecord<object>> {
    return this.store.transaction(target.ctx, async (s) => {
      const parent = await this.checkScope(s, target);
      const id = newResourceId();
      const resources = identified(target.definition.toFhir(record, { patientId: target.scope.patientId, id, now: this.clock(), parent }), target.identifier);
      let main: Resource | undefined;
      for (const resource of resources) {
        const { version } = await this.writes.create(s, resource.resourceType, resource, { id: resource.id });
        main ??= JSON.parse(version?.json as string) as Resource;
      }
      return this.readBack(s, target.definition, main as Resource);
    });
  }

  async replace(target: WriteTarget, id: string, record: object): Promise<StoredRecord<object>> {
    const { definition } = target;
    return this.store.transaction(target.ctx, async (s) => {
      const parent = await this.checkScope(s, target);
      const current = await this.current(s, target, id);
      const resources = identified(definition.toFhir(record, { patientId: target.scope.patientId, id, now: this.clock(), parent }), target.identifier, current);
      const kept = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
      let main = current;
      for (const resource of resources) {
        const stored = resource === resources[0] ? current : await this.readOwned(s, target, resource.resourceType, resource.id as string);
        if (stored && sameContent(stored, resource)) continue;
        const { version } = await this.writes.update(s, resource.resourceType, resource.id as string, resource);
        if (resource === resources[0]) main = JSON.parse(version?.json as string) as Resource;
      }
      if (definition.ownsCompanions) {
        for (const key of definition.companions(current)) {
          if (!kept.has(`${key.resourceType}/${key.id}`)) await this.deleteOwned(s, target, key.resourceType, key.id);
        }
      }
      return this.readBack(s, definition, main);
    });
  }

  async remove(target: WriteTarget, id: string): Promise<void> {
    const { definition } = target;
    await this.store.transaction(target.ctx, async (s) => {
      await this.checkScope(s, target);
      const current = await this.current(s, target, id);
      if (definition.ownsCompanions) {
        for (const key of definition.companions(current)) await this.deleteOwned(s, target, key.resourceType, key.id);
      }
      // Deleting a response retires what was derived from it (the hook); a raised suicide-risk Flag
      // stays until the care team closes it (clinical-codes.md §10).
      await this.writes.delete(s, definition.mainType, id);
    });
  }

  /** 404 unless the patient (and the parent record) of the URL exist and are visible; the parent's main resource. */
  private async checkScope(s: ResourceStore, target: WriteTarget): Promise<Resource | undefined> {
    await checkPatient(s.as(target.main), target.scope.patientId);
    return target.definition.parent ? parentRecord(s.as(target.parent as Access), target.definition, target.scope) : undefined;
  }

  /** The record's main resource, locked for the write; 404 when it is not a record of this kind here. */
  private async current(s: ResourceStore, target: WriteTarget, id: string): Promise<Resource> {
    const { definition } = target;
    const version = await s.readForUpdate(definition.mainType, id);
    const main = version?.json ? (JSON.parse(version.json) as Resource) : undefined;
    if (!main || !belongs(definition, main, target.scope)) throw notFound(definition, target.scope, id);
    return main;
  }

  /** A companion as stored, when it is the patient's (a companion is never another patient's resource). */
  private async readOwned(s: ResourceStore, target: WriteTarget, type: string, id: string): Promise<Resource | undefined> {
    const version = await s.readForUpdate(type, id);
    const resource = version?.json ? (JSON.parse(version.json) as Resource) : undefined;
    if (!resource) return undefined;
    const subject = (resource as { subject?: { reference?: string } }).subject?.reference;
    if (subject !== `Patient/${target.scope.patientId}`) throw FhirError.conflict('already-exists', `${type}/${id} exists and is not part of this record`);
    return resource;
  }

  private async deleteOwned(s: ResourceStore, target: WriteTarget, type: string, id: string): Promise<void> {
    // A companion that is not the patient's is not the record's to delete: left alone.
    const stored = await this.readOwned(s, target, type, id).catch((error: unknown) => {
      if (error instanceof FhirError && error.status === 409) return undefined;
      throw error;
    });
    if (stored) await this.writes.delete(s, type, id);
  }

  /**
   * The record as now stored, read in the writing transaction (hooks' results included), with the
   * clinical-alert Flags the write raised or escalated (`alerts`, only when there are some).
   */
  private async readBack(s: ResourceStore, definition: RecordDefinition, main: Resource): Promise<StoredRecord<object>> {
    const record = await new RecordReader(this.search, (request, query) => s.searchPage(request, query)).one(definition, main);
    const alerts = raisedIn(s);
    return alerts.length ? Object.assign(record, { alerts }) : record;
  }
}

/**
 * The resources with the identifier on the main one (a QuestionnaireResponse has one identifier, the
 * others a list). Without one, a replace keeps what the stored main resource has: no record field
 * holds it, so a PUT of the record must not drop it.
 */
function identified(resources: Resource[], identifier: Identifier | undefined, current?: Resource): Resource[] {
  const [main, ...rest] = resources;
  const value = identifier
    ? main?.resourceType === 'QuestionnaireResponse'
      ? identifier
      : [identifier]
    : (current as { identifier?: unknown } | undefined)?.identifier;
  return main && value !== undefined ? [{ ...main, identifier: value } as Resource, ...rest] : resources;
}

/** 404 unless Patient/<id> exists and the access reaches it (another patient's looks unknown). */
export async function checkPatient(s: ResourceStore, patientId: string): Promise<void> {
  const found = await s.match('Patient', [['_id', patientId]], 1);
  if (!found.length) throw FhirError.notFound('not-found', `Patient/${patientId} is not known`);
}

/** The parent record's main resource (a log's medication), or 404 when it is not the patient's. */
export async function parentRecord(s: ResourceStore, definition: RecordDefinition, scope: RecordScope): Promise<Resource> {
  const parent = definition.parent;
  const reference = scope.parentReference as string;
  const [type, id] = reference.split('/');
  const version = parent ? await s.read(type, id) : undefined;
  const main = version?.json ? (JSON.parse(version.json) as Resource) : undefined;
  if (!parent || !main || !belongs(parent.definition, main, { patientId: scope.patientId })) {
    throw FhirError.notFound('not-found', `No ${parent?.definition.label ?? 'parent record'} ${id} of Patient/${scope.patientId}`);
  }
  return main;
}

export function notFound(definition: RecordDefinition, scope: RecordScope, id: string): FhirError {
  return FhirError.notFound('not-found', `No ${definition.label} ${id} of Patient/${scope.patientId}`);
}
