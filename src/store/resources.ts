// Create, read, update and delete of FHIR resources, with their history and index rows, inside one
// database transaction (or as single statements for reads). A ResourceStore is bound to one
// transaction and one caller; Store.transaction() makes them.
import { newResourceId } from './ids.js';
import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import { accessCondition, admits, admitsContent, admitsWrite, filtersFor, type Candidate } from './access.js';
import { careSubjectRefusal, grantsAccess } from './care-subject.js';
import { addAccessAudit, auditEventsAreReadOnly, recordReturned, type AccessAuditOptions, type AccessEvent } from './audit.js';
import type { Access, RelatedAccess, StoreContext } from './context.js';
import type { Queryable } from './db.js';
import { dbFailure } from './db-errors.js';
import type { ResourceIndexer } from './indexer.js';
import { buildBulkInsert, type BulkItem } from './bulk.js';
import type { Match, SearchEngine } from './search/engine.js';
import type { SearchRequest } from './search/request.js';
import { runSearch, searchAuditEvent, type SearchResult } from './search/run.js';
import { Statement } from './statement.js';
import { stamp, type StoredVersion, type WriteMethod } from './version.js';

export { stamp, type StoredVersion, type WriteMethod } from './version.js';

export interface UpdateResult {
  /** True when the update created the resource (new id, or a deleted resource brought back). */
  created: boolean;
  version: StoredVersion;
}

export interface DeleteResult {
  /** False when there was nothing to delete (unknown or already deleted). */
  deleted: boolean;
  version?: StoredVersion;
}

interface VersionRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  content: string | null;
}

interface LockedRow {
  rid: number;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  compartments: string[];
  /** Only fetched when a query restriction must be checked against it. */
  content: string | null;
}

/**
 * The store's statements are prepared: their texts vary only with the access rule's shape and which
 * index tables a resource has rows in, so they are few, and planning a write's CTEs costs more than
 * running them.
 */
const PREPARED = { prepare: true } as const;

/** Read paths fetch single resources and check query restrictions on them (admitsContent). */
const CHECKED_AFTER = { filters: 'checked-after' } as const;

export type Clock = () => Date;

/** What a ResourceStore is built with besides its connection and who acts. */
export interface ResourceStoreOptions {
  indexer: ResourceIndexer;
  clock: Clock;
  /** How this store's reads commit their audit rows; synchronous (the default) inside transactions. */
  readAudit?: AccessAuditOptions;
  /** The search engine: conditional matches go through it. */
  search?: SearchEngine;
  /**
   * Autocommit (Store.single): no transaction around the calls, so a create carries the actor for
   * the audit triggers in its own statement. Only `create` writes this way; any other write is
   * refused by the triggers for want of an actor (fail closed).
   */
  autocommit?: boolean;
}

export class ResourceStore {
  private savepoints = 0;
  private readonly indexer: ResourceIndexer;
  private readonly clock: Clock;
  private readonly readAudit: AccessAuditOptions;
  private readonly search?: SearchEngine;
  private readonly autocommit: boolean;

  constructor(
    readonly q: Queryable,
    readonly ctx: StoreContext,
    private readonly options: ResourceStoreOptions,
  ) {
    this.indexer = options.indexer;
    this.clock = options.clock;
    this.readAudit = options.readAudit ?? {};
    this.search = options.search;
    this.autocommit = options.autocommit ?? false;
  }

  /**
   * The current version (possibly a deletion), or undefined when unknown or not visible. The read is
   * audited in the same statement.
   */
  async read(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const stmt = new Statement();
    stmt.with(
      'found',
      `SELECT resource_type, id, version_id, last_updated, deleted, content, compartments FROM resource r
        WHERE r.resource_type = ${stmt.param(resourceType)} AND r.id = ${stmt.param(id)}
          AND ${accessCondition(this.ctx.access, 'r', stmt, CHECKED_AFTER)}`,
    );
    return this.readAudited(stmt, resourceType, { interaction: 'read', resourceType, id });
  }

  /** One version, audited in the same statement. */
  async vread(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const stmt = new Statement();
    stmt.with(
      'found',
      `SELECT resource_type, id, version_id, last_updated, deleted, content, compartments FROM resource_history h
        WHERE h.resource_type = ${stmt.param(resourceType)} AND h.id = ${stmt.param(id)}
          AND h.version_id = ${stmt.param(versionId)} AND ${accessCondition(this.ctx.access, 'h', stmt, CHECKED_AFTER)}`,
    );
    return this.readAudited(stmt, resourceType, { interaction: 'vread', resourceType, id, versionId });
  }

  /**
   * Runs a read whose `found` CTE holds the version, and records it: in the same statement, or,
   * when a query restriction must first be checked on the version, right after that check, so the
   * record names only what the caller receives.
   */
  private async readAudited(stmt: Statement, resourceType: string, event: AccessEvent): Promise<StoredVersion | undefined> {
    const restricted = filtersFor(this.ctx.access, resourceType).length > 0;
    if (!restricted) addAccessAudit(stmt, this.ctx.actor, 'found', event, this.readAudit);
    const sql = stmt.build('SELECT resource_type, id, version_id, last_updated, deleted, content FROM found');
    const { rows } = await this.q.query<VersionRow>(sql, stmt.params, PREPARED);
    const version = this.visible(rows[0]);
    if (restricted) await recordReturned(this.q, this.ctx.actor, version ? [version] : [], event, this.readAudit);
    return version;
  }

  /**
   * The current version locked for the rest of the transaction (read-modify-write, as patch does),
   * or undefined when unknown or not visible.
   */
  async readForUpdate(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const stmt = new Statement();
    const sql = `SELECT resource_type, id, version_id, last_updated, deleted, content FROM resource r
      WHERE r.resource_type = ${stmt.param(resourceType)} AND r.id = ${stmt.param(id)}
        AND ${accessCondition(this.ctx.access, 'r', stmt, CHECKED_AFTER)} FOR UPDATE`;
    const { rows } = await this.q.query<VersionRow>(sql, stmt.params);
    return this.visible(rows[0]);
  }

  /** The same store and transaction acting with another access (one entry of a transaction Bundle). */
  as(access: Access, related?: RelatedAccess): ResourceStore {
    return new ResourceStore(this.q, { ...this.ctx, access, ...(related ? { related } : {}) }, this.options);
  }

  /** A fetched row as a version, or undefined when the caller's query restrictions hide it. */
  private visible(row: VersionRow | undefined): StoredVersion | undefined {
    if (!row || !admitsContent(this.ctx.access, row.resource_type, row.content)) return undefined;
    return toVersion(row);
  }

  /**
   * Up to `limit` current resources of a type matching search criteria, as (name, value) pairs of
   * any supported search parameters: conditional interactions and conditional references.
   */
  match(resourceType: string, criteria: ReadonlyArray<readonly [string, string]>, limit: number): Promise<Match[]> {
    if (!this.search) throw FhirError.notSupported('not-supported', 'Search is not available in this store');
    return this.search.match(this.q, this.ctx.access, resourceType, criteria, limit);
  }

  /**
   * One page of a search inside this transaction (GET entries of Bundles), with the caller's
   * access and recorded in the audit trail like any search.
   */
  searchPage(request: SearchRequest, query?: string): Promise<SearchResult> {
    const audit = { actor: this.ctx.actor, event: searchAuditEvent(request, query), options: this.readAudit };
    return runSearch(this.q, this.ctx.access, request, this.search?.filters, this.ctx.related, audit);
  }

  /** Creates a resource with a server-assigned id (or the given one, for update-as-create). */
  async create(resource: Resource, method: WriteMethod = 'POST', id: string = newResourceId()): Promise<StoredVersion> {
    refuseServerOwned(resource.resourceType);
    const created = await this.insert(resource, id, method);
    if (!created) throw FhirError.conflict('already-exists', `${resource.resourceType}/${id} already exists`);
    return created;
  }

  /**
   * Creates many resources (version 1, server-assigned ids unless given) with their history and
   * index rows in ONE statement: a transaction Bundle of 100 Observations costs one round trip.
   * Ids must be new; a taken id fails the statement (and so the transaction).
   */
  async createMany(
    items: Array<BulkItem & { access?: Access }>,
    options: { itemError?: (index: number, error: unknown) => unknown } = {},
  ): Promise<StoredVersion[]> {
    if (!items.length) return [];
    for (const [index, item] of items.entries()) {
      try {
        refuseServerOwned(item.resource.resourceType);
      } catch (error) {
        throw options.itemError ? options.itemError(index, error) : error;
      }
    }
    // Every resource must lie within its access (the caller's, or the item's own: entries of a
    // transaction Bundle) before anything is written; a refusal names its item.
    const checks: Array<Promise<void>> = [];
    const insert = buildBulkInsert(this.indexer, items, this.clock(), (compartments, document, index) => {
      const access = items[index].access;
      const store = access ? this.as(access) : this;
      checks.push(
        store.checkResultAccess(compartments, document).catch((error: unknown) => {
          throw options.itemError ? options.itemError(index, error) : error;
        }),
      );
    });
    await Promise.all(checks);
    try {
      await this.q.query(insert.sql, insert.params, PREPARED);
    } catch (error) {
      if (dbFailure(error) === 'duplicate') throw FhirError.conflict('already-exists', 'A resource with one of these ids already exists');
      throw error;
    }
    return insert.versions;
  }

  /**
   * Replaces the resource `resourceType/id` with `resource`, creating it when it does not exist.
   * `ifMatch` is the version the client expects to replace (If-Match); a different current version
   * answers 412.
   */
  async update(resourceType: string, id: string, resource: Resource, options: { ifMatch?: number; method?: 'PUT' | 'PATCH' } = {}): Promise<UpdateResult> {
    refuseServerOwned(resourceType);
    refuseServerOwned(resource.resourceType);
    const method = options.method ?? 'PUT';
    // Two attempts: a concurrent transaction may create the same new id between our lock attempt
    // and our insert; the second pass then finds and locks its row.
    for (let attempt = 0; attempt < 2; attempt++) {
      const current = await this.lockCurrent(resourceType, id);
      if (!current) {
        if (options.ifMatch !== undefined) {
          throw FhirError.preconditionFailed('precondition-failed', `${resourceType}/${id} does not exist, so If-Match cannot match`);
        }
        const version = await this.insert(resource, id, method);
        if (version) return { created: true, version };
        continue;
      }
      await this.checkVisible(current, resourceType, id);
      if (options.ifMatch !== undefined && options.ifMatch !== current.version_id) {
        throw FhirError.preconditionFailed(
          'version-conflict',
          `Version conflict: ${resourceType}/${id} is at version ${current.version_id}, not ${options.ifMatch}`,
        );
      }
      const version = await this.replace(current, resource, id, method);
      return { created: current.deleted, version };
    }
    throw FhirError.conflict('concurrent-change', `${resourceType}/${id} is being created concurrently; retry`);
  }

  /** Deletes the resource; deleting something unknown or already deleted changes nothing. */
  async delete(resourceType: string, id: string, options: { ifMatch?: number } = {}): Promise<DeleteResult> {
    refuseServerOwned(resourceType);
    const current = await this.lockCurrent(resourceType, id);
    // What the caller cannot see answers exactly as an unknown id: no existence oracle.
    if (!current || !(await admits(this.q, this.ctx.access, this.candidate(current, resourceType)))) {
      if (options.ifMatch !== undefined) throw FhirError.preconditionFailed('precondition-failed', `${resourceType}/${id} does not exist`);
      return { deleted: false };
    }
    await this.checkVisible(current, resourceType, id);
    if (options.ifMatch !== undefined && options.ifMatch !== current.version_id) {
      throw FhirError.preconditionFailed(
        'version-conflict',
        `Version conflict: ${resourceType}/${id} is at version ${current.version_id}, not ${options.ifMatch}`,
      );
    }
    if (current.deleted) return { deleted: false };
    const versionId = current.version_id + 1;
    const lastUpdated = this.nextTimestamp(current.last_updated);
    const stmt = new Statement();
    const rid = stmt.param(current.rid);
    const v = stmt.param(versionId);
    const lu = stmt.param(lastUpdated.toISOString());
    stmt.with(
      'written',
      `UPDATE resource SET version_id = ${v}, last_updated = ${lu}, deleted = true, content = NULL
        WHERE rid = ${rid} RETURNING rid, resource_type, id, compartments`,
    );
    stmt.with(
      'history',
      `INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method, content, compartments)
        SELECT resource_type, id, ${v}, ${lu}, true, 'DELETE', NULL, compartments FROM written`,
    );
    this.indexer.addIndexRemoval(stmt, 'written');
    await this.q.query(stmt.build('SELECT rid FROM written'), stmt.params, PREPARED);
    return {
      deleted: true,
      version: { resourceType, id, versionId, lastUpdated, deleted: true, json: null },
    };
  }

  /**
   * Runs fn inside a savepoint: when it fails, what it wrote is undone and the transaction goes on
   * (batch Bundles: one bad entry never affects the others, and all commit together).
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `entry_${++this.savepoints}`;
    await this.q.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      await this.q.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await this.q.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }

  /**
   * Serialises writers that decide by a search (conditional create, update, delete) on the same
   * condition: held until the transaction ends, so the second writer sees what the first wrote.
   */
  async lockCondition(key: string): Promise<void> {
    await this.q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
  }

  private async lockCurrent(resourceType: string, id: string): Promise<LockedRow | undefined> {
    // The stored content is needed only to check a query restriction on the version being replaced.
    const content = filtersFor(this.ctx.access, resourceType).length ? 'content' : 'NULL AS content';
    const { rows } = await this.q.query<LockedRow>(
      `SELECT rid, version_id, last_updated, deleted, compartments, ${content} FROM resource
        WHERE resource_type = $1 AND id = $2 FOR UPDATE`,
      [resourceType, id],
      PREPARED,
    );
    return rows[0];
  }

  /** A change to an existing resource needs the stored version to lie within the caller's access. */
  private async checkVisible(current: LockedRow, resourceType: string, id: string): Promise<void> {
    if (!(await admitsWrite(this.q, this.ctx.access, this.candidate(current, resourceType)))) {
      throw FhirError.forbidden('outside-compartment', `${resourceType}/${id} is outside what this token may change`);
    }
  }

  private candidate(current: LockedRow, resourceType: string): Candidate {
    const resource = current.content === null ? undefined : (JSON.parse(current.content) as Resource);
    return { resourceType, compartments: current.compartments, ...(resource ? { resource } : {}) };
  }

  /** Inserts version 1 of a new resource; undefined when the id is already taken. */
  private async insert(resource: Resource, id: string, method: WriteMethod): Promise<StoredVersion | undefined> {
    const lastUpdated = this.clock();
    const { document, json } = stamp(resource, id, 1, lastUpdated);
    const entry = this.indexer.extract(document);
    await this.checkResultAccess(entry.compartments, document);
    const stmt = new Statement();
    const type = stmt.param(document.resourceType);
    const rid = stmt.param(id);
    const lu = stmt.param(lastUpdated.toISOString());
    const content = stmt.param(json);
    const compartments = stmt.param(entry.compartments);
    const verb = stmt.param(method);
    stmt.with(
      'written',
      `INSERT INTO resource (resource_type, id, version_id, last_updated, content, compartments)
        VALUES (${type}, ${rid}, 1, ${lu}, ${content}, ${compartments}::text[])
        ON CONFLICT (resource_type, id) DO NOTHING RETURNING rid`,
    );
    stmt.with(
      'history',
      `INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method, content, compartments)
        SELECT ${type}, ${rid}, 1, ${lu}, false, ${verb}, ${content}, ${compartments}::text[] FROM written`,
    );
    this.indexer.addIndexWrites(stmt, 'written', entry, { replace: false });
    // In autocommit the actor rides in the statement: the one-time filter runs set_config before
    // the CTEs write (so before the statement triggers check it), and the setting ends with the
    // statement's own transaction. test/audit checks the records are exact.
    const main = this.autocommit
      ? `SELECT rid FROM written WHERE (SELECT set_config('haven.actor', ${stmt.param(JSON.stringify(this.ctx.actor))}, true)) IS NOT NULL`
      : 'SELECT rid FROM written';
    const { rows } = await this.q.query(stmt.build(main), stmt.params, PREPARED);
    if (!rows.length) return undefined;
    return { resourceType: document.resourceType, id, versionId: 1, lastUpdated, deleted: false, json };
  }

  /** Writes the next version over a locked current row. */
  private async replace(current: LockedRow, resource: Resource, id: string, method: WriteMethod): Promise<StoredVersion> {
    const versionId = current.version_id + 1;
    const lastUpdated = this.nextTimestamp(current.last_updated);
    const { document, json } = stamp(resource, id, versionId, lastUpdated);
    const entry = this.indexer.extract(document);
    await this.checkResultAccess(entry.compartments, document);
    const stmt = new Statement();
    const v = stmt.param(versionId);
    const lu = stmt.param(lastUpdated.toISOString());
    const content = stmt.param(json);
    const compartments = stmt.param(entry.compartments);
    stmt.with(
      'written',
      `UPDATE resource SET version_id = ${v}, last_updated = ${lu}, deleted = false, content = ${content},
          compartments = ${compartments}::text[]
        WHERE rid = ${stmt.param(current.rid)} RETURNING rid, resource_type, id`,
    );
    stmt.with(
      'history',
      `INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method, content, compartments)
        SELECT resource_type, id, ${v}, ${lu}, false, ${stmt.param(method)}, ${content}, ${compartments}::text[] FROM written`,
    );
    this.indexer.addIndexWrites(stmt, 'written', entry);
    await this.q.query(stmt.build('SELECT rid FROM written'), stmt.params, PREPARED);
    return { resourceType: document.resourceType, id, versionId, lastUpdated, deleted: false, json };
  }

  private async checkResultAccess(compartments: string[], document: Resource): Promise<void> {
    // A CareTeam or Consent opens its patient's record to others: a confined token may write one
    // only when the patient it names is read as the compartments read it (and so checked below).
    if (this.ctx.access.kind !== 'all' && grantsAccess(document.resourceType)) {
      const refusal = careSubjectRefusal(document, compartments, (reference) => this.indexer.localPatient(reference));
      if (refusal) {
        const element = document.resourceType === 'Consent' ? 'patient' : 'subject';
        throw FhirError.unprocessable('invalid-resource', refusal, [`${document.resourceType}.${element}`]);
      }
    }
    if (!(await admitsWrite(this.q, this.ctx.access, { resourceType: document.resourceType, compartments, resource: document }))) {
      throw FhirError.forbidden(
        'outside-compartment',
        `This ${document.resourceType} would lie outside what this token may write: each patient it concerns must be within reach`,
      );
    }
  }

  /** Now, but never at or before the previous version's time, so history stays in order. */
  private nextTimestamp(previous: Date): Date {
    const now = this.clock();
    return now.getTime() > previous.getTime() ? now : new Date(previous.getTime() + 1);
  }
}

/** AuditEvents live in the audit log, written only by the database (the resource table refuses them too). */
function refuseServerOwned(resourceType: string): void {
  if (resourceType === 'AuditEvent') throw auditEventsAreReadOnly();
}

function toVersion(row: VersionRow): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated,
    deleted: row.deleted,
    json: row.content,
  };
}
