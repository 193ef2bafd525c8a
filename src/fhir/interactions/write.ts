// The FHIR write interactions (create, update, patch, delete and their conditional forms) as
// functions of a store transaction, so that single requests and transaction Bundle entries share
// one implementation of every rule.
import { newResourceId } from '../../store/ids.js';
import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../../errors.js';
import type { WriteInteraction } from '../../grammar/interaction.js';
import type { Access } from '../../store/context.js';
import type { ResourceStore, StoredVersion } from '../../store/resources.js';
import type { ResourceValidator } from '../validate.js';
import { criteriaKey, type Criteria } from './criteria.js';
import { WriteHooks } from './hooks.js';
import { applyJsonPatch } from './patch.js';
import { parseStored } from '../../json/lossless.js';

export interface WriteOutcome {
  /** 200 updated (or an existing match), 201 created, 204 nothing to return. */
  status: 200 | 201 | 204;
  /** The version written, or found by a conditional create. */
  version?: StoredVersion;
}

export class WriteInteractions {
  constructor(
    private readonly validator: ResourceValidator,
    private readonly hooks: WriteHooks = new WriteHooks(),
  ) {}

  /** POST [type]; `id` is a server id chosen in advance (transaction Bundles resolve fullUrls first). */
  async create(s: ResourceStore, type: string, body: unknown, options: { ifNoneExist?: Criteria; id?: string } = {}): Promise<WriteOutcome> {
    const resource = this.checkResource(type, body, 'create');
    if (options.ifNoneExist) {
      const existing = await this.findOne(s, type, options.ifNoneExist, 'If-None-Exist');
      if (existing) return { status: 200, version: existing };
    }
    return this.written(s, 'create', { status: 201, version: await s.create(resource, 'POST', options.id) });
  }

  /**
   * New resources, already checked with checkResource (transaction Bundles, imports), created in
   * one statement, each item with its own access. Their hooks run afterwards, in input order, as
   * one batch: look-ups the same for every item are made once (WriteHooks.afterWriteMany).
   * `beforeHooks`: awaited between the statement and the hooks (an import's next batch is
   * inserted while the batch before it finishes, and runs its hooks only once that one committed).
   */
  async createMany(
    s: ResourceStore,
    items: Array<{ resource: Resource; id: string; access: Access }>,
    itemError?: (index: number, error: unknown) => unknown,
    beforeHooks?: () => Promise<void>,
  ): Promise<WriteOutcome[]> {
    const versions = await s.createMany(
      items.map((item) => ({ ...item, method: 'POST' as const })),
      { itemError },
    );
    await beforeHooks?.();
    await this.hooks.afterWriteMany(
      versions.map((version, index) => ({ s: s.as(items[index].access), interaction: 'create' as const, version })),
      itemError,
    );
    return versions.map((version) => ({ status: 201, version }));
  }

  /**
   * Whether a create of this type is one statement and nothing else (no If-None-Exist search, no
   * after-write hooks), so it may run outside a transaction (Store.single).
   */
  createsAlone(type: string, options: { ifNoneExist?: Criteria } = {}): boolean {
    return !options.ifNoneExist && !this.hooks.has(type);
  }

  async update(s: ResourceStore, type: string, id: string, body: unknown, options: { ifMatch?: number } = {}): Promise<WriteOutcome> {
    const resource = this.checkResource(type, body, 'update', id);
    const result = await s.update(type, id, resource, { ifMatch: options.ifMatch });
    return this.written(s, 'update', { status: result.created ? 201 : 200, version: result.version });
  }

  /** PUT [type]?criteria: update the one match, or create when there is none. */
  async conditionalUpdate(s: ResourceStore, type: string, criteria: Criteria, body: unknown, options: { ifMatch?: number } = {}): Promise<WriteOutcome> {
    const resource = this.checkResource(type, body, 'conditional update');
    const target = await this.conditionalUpdateTarget(s, type, criteria, resource);
    const result = await s.update(type, target.id, { ...resource, id: target.id }, { ifMatch: options.ifMatch });
    return this.written(s, result.created ? 'create' : 'update', { status: result.created ? 201 : 200, version: result.version });
  }

  /**
   * Which resource a conditional update writes: the one match, else the body's id, else a new id.
   * 412 for several matches, 400 when the body names a different id than the match.
   */
  async conditionalUpdateTarget(s: ResourceStore, type: string, criteria: Criteria, resource: Resource): Promise<{ id: string; exists: boolean }> {
    const match = await this.findOneMatch(s, type, criteria, 'conditional update');
    if (match) {
      if (resource.id !== undefined && resource.id !== match.id) {
        throw FhirError.badRequest('id-mismatch', `The resource id "${resource.id}" differs from the id of the resource the criteria match (${match.id})`);
      }
      return { id: match.id, exists: true };
    }
    return { id: resource.id ?? newResourceId(), exists: false };
  }

  async patch(s: ResourceStore, type: string, id: string, patch: unknown, options: { ifMatch?: number } = {}): Promise<WriteOutcome> {
    const current = await s.readForUpdate(type, id);
    if (!current) throw FhirError.notFound('not-found', `${type}/${id} is not known`);
    if (current.deleted || current.json === null) throw FhirError.gone('deleted', `${type}/${id} was deleted`);
    if (options.ifMatch !== undefined && options.ifMatch !== current.versionId) {
      throw FhirError.preconditionFailed('version-conflict', `Version conflict: ${type}/${id} is at version ${current.versionId}, not ${options.ifMatch}`);
    }
    const patched = applyJsonPatch(parseStored<Resource>(current.json), patch);
    const issues = this.validator.validate(patched);
    if (issues.length) throw new FhirError('invalid-resource', 422, issues);
    const result = await s.update(type, id, patched, { ifMatch: current.versionId, method: 'PATCH' });
    return this.written(s, 'patch', { status: 200, version: result.version });
  }

  /** PATCH [type]?criteria: 0 matches 404, 1 patched, several 412. */
  async conditionalPatch(s: ResourceStore, type: string, criteria: Criteria, patch: unknown, options: { ifMatch?: number } = {}): Promise<WriteOutcome> {
    const match = await this.findOneMatch(s, type, criteria, 'conditional patch');
    if (!match) throw FhirError.notFound('not-found', `No ${type} matches the criteria of the conditional patch`);
    return this.patch(s, type, match.id, patch, options);
  }

  async delete(s: ResourceStore, type: string, id: string, options: { ifMatch?: number } = {}): Promise<WriteOutcome> {
    const result = await s.delete(type, id, options);
    return this.written(s, 'delete', { status: 204, version: result.version });
  }

  /** DELETE [type]?criteria: Haven deletes a single match (conditionalDelete = single). */
  async conditionalDelete(s: ResourceStore, type: string, criteria: Criteria): Promise<WriteOutcome> {
    const match = await this.findOneMatch(s, type, criteria, 'conditional delete');
    if (!match) return { status: 204 };
    return this.delete(s, type, match.id);
  }

  /** Runs the after-write hooks of what was stored, in the same transaction, then answers. */
  private async written(s: ResourceStore, interaction: WriteInteraction, outcome: WriteOutcome): Promise<WriteOutcome> {
    await this.hooks.afterWrite(s, interaction, outcome.version);
    return outcome;
  }

  /** The resource a write carries, checked against the URL and the R4 schema (400 / 422). */
  checkResource(type: string, body: unknown, interaction: string, id?: string): Resource {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw FhirError.badRequest('malformed-body', `The ${interaction} body must be a ${type} resource (a JSON object)`);
    }
    const resource = { ...(body as Resource) };
    if (resource.resourceType !== type) {
      throw FhirError.badRequest(
        'type-mismatch',
        `The body's resourceType ${JSON.stringify(resource.resourceType ?? null)} does not match the ${type} of the URL`,
        ['resourceType'],
      );
    }
    if (interaction === 'create') delete resource.id; // the server assigns it (FHIR: SHALL ignore)
    if (id !== undefined) {
      if (resource.id === undefined) throw FhirError.badRequest('id-mismatch', `The body of an update must carry the id "${id}" of the URL`, [`${type}.id`]);
      if (resource.id !== id)
        throw FhirError.badRequest('id-mismatch', `The body's id "${resource.id}" does not match the id "${id}" of the URL`, [`${type}.id`]);
    }
    const issues = this.validator.validate(resource);
    if (issues.length) throw new FhirError('invalid-resource', 422, issues);
    return resource;
  }

  private async findOne(s: ResourceStore, type: string, criteria: Criteria, what: string): Promise<StoredVersion | undefined> {
    const match = await this.findOneMatch(s, type, criteria, what);
    return match ? s.read(type, match.id) : undefined;
  }

  /** The single match of the criteria; 412 when several match. Serialised with concurrent writers. */
  async findOneMatch(s: ResourceStore, type: string, criteria: Criteria, what: string) {
    await s.lockCondition(criteriaKey(type, criteria));
    const matches = await s.match(type, criteria, 2);
    if (matches.length > 1) {
      throw FhirError.of('multiple-matches', 412, 'multiple-matches', `The ${what} criteria match more than one ${type}; make them more selective`);
    }
    return matches[0];
  }
}
