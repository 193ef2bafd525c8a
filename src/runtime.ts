// Everything a running Haven needs, opened in order: database, migrations, validator, store. The HTTP
// server listens before this is ready (so /healthz can answer 503), and serves once it is.
import type { FastifyBaseLogger } from 'fastify';
import { AUDIT_EVENT_CAPABILITY } from './audit/capability.js';
import { capabilitySecurity, createAuthServices, type AuthServices } from './auth/services.js';
import type { Config } from './config.js';
import { FhirError } from './errors.js';
import { loadConformance } from './conformance/load.js';
import { buildCapability, type Capability } from './fhir/capability.js';
import { WriteInteractions } from './fhir/interactions/write.js';
import { createValidator, type ResourceValidator } from './fhir/validate.js';
import { havenWriteHooks } from './hooks/index.js';
import { subscriptionCapability } from './subscriptions/capability.js';
import { migrationsDir } from './paths.js';
import { ensureAuditPartitions } from './store/audit-partitions.js';
import type { Database } from './store/db.js';
import { openDatabase } from './store/open-database.js';
import { loadMigrations, migrate } from './store/migrate.js';
import { conformanceDir } from './paths.js';
import { activeSearchParameters } from './store/search/reindex.js';
import { createSearchEngine, type SearchEngine } from './store/search/engine.js';
import type { ElementModel } from './store/search/elements.js';
import { Store } from './store/store.js';
import { ResourceSubsetter } from './fhir/subset.js';
import { includesForCapability, searchParamsForCapability } from './fhir/search-capability.js';
import type { SearchParameter } from '@medplum/fhirtypes';
import { BULK_CAPABILITY } from './bulk/capability.js';

export interface Services {
  config: Config;
  db: Database;
  store: Store;
  validator: ResourceValidator;
  writes: WriteInteractions;
  capability: Capability;
  auth: AuthServices;
  /** Search parameters, extraction, parsing and execution. */
  search: SearchEngine;
  /** _summary and _elements. */
  subsetter: ResourceSubsetter;
}

/** Holds the services once they are ready; requests before that answer 503. */
export class Runtime {
  private current?: Services;
  private failure?: Error;

  get ready(): boolean {
    return this.current !== undefined;
  }

  set(services: Services): void {
    this.current = services;
  }

  fail(error: Error): void {
    this.failure = error;
  }

  get services(): Services {
    if (!this.current) {
      throw FhirError.of('unavailable', 503, 'transient', this.failure ? 'Haven failed to start' : 'Haven is starting; try again shortly');
    }
    return this.current;
  }
}

/** Opens the database, applies pending migrations and compiles what is compiled once. */
export async function openServices(config: Config, log?: FastifyBaseLogger, db?: Database): Promise<Services> {
  const database =
    db ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.dbPoolSize,
      statementTimeoutMs: config.dbStatementTimeoutMs,
    }));
  try {
    await migrate(database, loadMigrations(migrationsDir), (message) => log?.info(message));
    // The audit log needs this month's partition before the first write (the daily job keeps
    // two months ahead; this covers a database that was not served for a while).
    await ensureAuditPartitions(database, new Date());
    const services = createServices(config, database, { customSearchParameters: await activeSearchParameters(database) });
    // Signing keys are made at first start, so `haven token` finds them while the server runs.
    await services.auth.keys.open();
    const conformance = await loadConformance(services.store, services.validator);
    log?.info(`conformance artefacts: ${conformance.written.length} written, ${conformance.unchanged} unchanged`);
    return services;
  } catch (error) {
    if (!db) await database.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Services over an already migrated database. A compiled validator may be passed in: it is
 * immutable, and tests that build many apps in one process compile it once.
 */
export function createServices(
  config: Config,
  db: Database,
  shared: { validator?: ResourceValidator; searchModel?: ElementModel; customSearchParameters?: SearchParameter[] } = {},
): Services {
  const validator = shared.validator ?? createValidator();
  const search = createSearchEngine({
    baseUrl: config.fhirBaseUrl,
    zone: config.defaultTimeZone,
    defaultCount: config.defaultPageSize,
    maxCount: config.maxPageSize,
    bounds: config.searchBounds,
    conformanceDir,
    custom: shared.customSearchParameters,
    model: shared.searchModel,
  });
  const store = new Store(db, search.indexer, undefined, {
    readAudit: { asyncCommit: config.audit.readCommit === 'async' },
    search,
  });
  const capability = buildCapability({
    config,
    resourceTypes: validator.resourceTypes,
    searchParams: (type) => searchParamsForCapability(search.registry, type),
    searchIncludes: includesForCapability(search.registry, validator.resourceTypes),
    systemInteractions: ['transaction', 'batch', 'search-system'],
    security: capabilitySecurity(config),
    resourceEntries: new Map([
      ['AuditEvent', AUDIT_EVENT_CAPABILITY],
      ['Subscription', subscriptionCapability(searchParamsForCapability(search.registry, 'Subscription'))],
    ]),
    ...BULK_CAPABILITY,
  });
  const auth = createAuthServices(config, db, validator.resourceTypes, search);
  const writes = new WriteInteractions(validator, havenWriteHooks(validator, { authorizer: auth.authorizer, search }));
  return { config, db, store, validator, writes, capability, auth, search, subsetter: new ResourceSubsetter(search.model) };
}
