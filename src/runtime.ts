// Everything a running Haven needs, opened in order: database, migrations, validator, store. The HTTP
// server listens before this is ready (so /healthz can answer 503), and serves once it is.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import { FhirError } from './errors.js';
import { buildCapability, type Capability } from './fhir/capability.js';
import { WriteInteractions } from './fhir/interactions/write.js';
import { createValidator, type ResourceValidator } from './fhir/validate.js';
import { migrationsDir } from './paths.js';
import { openDatabase, type Database } from './store/db.js';
import { loadMigrations, migrate } from './store/migrate.js';
import { conformanceDir } from './paths.js';
import { activeSearchParameters } from './store/search/reindex.js';
import { createSearchEngine, type SearchEngine } from './store/search/engine.js';
import type { ElementModel } from './store/search/elements.js';
import { Store } from './store/store.js';
import { ResourceSubsetter } from './fhir/subset.js';
import { searchParamsForCapability } from './fhir/search-capability.js';
import type { SearchParameter } from '@medplum/fhirtypes';

export interface Services {
  config: Config;
  db: Database;
  store: Store;
  validator: ResourceValidator;
  writes: WriteInteractions;
  capability: Capability;
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
      throw FhirError.of(503, 'transient', this.failure ? 'Haven failed to start' : 'Haven is starting; try again shortly');
    }
    return this.current;
  }
}

/** Opens the database, applies pending migrations and compiles what is compiled once. */
export async function openServices(config: Config, log?: FastifyBaseLogger, db?: Database): Promise<Services> {
  const database = db ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize }));
  try {
    await migrate(database, loadMigrations(migrationsDir), (message) => log?.info(message));
    return createServices(config, database, { customSearchParameters: await activeSearchParameters(database) });
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
    conformanceDir,
    custom: shared.customSearchParameters,
    model: shared.searchModel,
  });
  const store = new Store(db, search.indexer, undefined, search);
  const capability = buildCapability({
    config,
    resourceTypes: validator.resourceTypes,
    searchParams: (type) => searchParamsForCapability(search.registry, type),
    systemInteractions: ['search-system'],
  });
  return { config, db, store, validator, writes: new WriteInteractions(validator), capability, search, subsetter: new ResourceSubsetter(search.model) };
}
