// `haven reindex [Type ...]`: recompute search index rows and compartments of stored resources, and
// activate the SearchParameter resources clients stored (each for the types re-indexed).
import { loadConfig } from '../config.js';
import { conformanceDir, migrationsDir } from '../paths.js';
import { openDatabase } from '../store/open-database.js';
import { loadMigrations, migrate } from '../store/migrate.js';
import { ElementModel } from '../store/search/elements.js';
import { createSearchEngine } from '../store/search/engine.js';
import { reindex, storedSearchParameters } from '../store/search/reindex.js';
import type { Command } from './command.js';

export const reindexCommand: Command = {
  name: 'reindex',
  summary: 'Rebuild the search index (all types, or the ones named) and activate stored SearchParameters',
  usage: [
    'haven reindex [Type ...]',
    '',
    'Re-extracts the search values and patient compartments of every current resource of the named',
    'types (all types when none are named) with the search parameters in force: the R4 ones, those in',
    'conformance/, and the SearchParameter resources stored through the API, which become active for',
    'the re-indexed types. Run it after storing or changing a SearchParameter, or after changing',
    'TZ_DEFAULT. Servers load the activated parameters when they start: restart them afterwards.',
    '',
    'Uses DATABASE_URL, or the embedded database in DATA_DIR (stop the server first: the embedded',
    'database allows one process at a time).',
  ].join('\n'),
  async run(args) {
    const model = ElementModel.load();
    const unknown = args.filter((a) => !model.resourceTypes.has(a));
    if (unknown.length) {
      console.error(`Not R4 resource types: ${unknown.join(', ')}`);
      return 2;
    }
    const config = loadConfig();
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
    try {
      await migrate(db, loadMigrations(migrationsDir), (message) => console.log(message));
      const custom = await storedSearchParameters(db);
      const engine = createSearchEngine({
        baseUrl: config.fhirBaseUrl,
        zone: config.defaultTimeZone,
        defaultCount: config.defaultPageSize,
        maxCount: config.maxPageSize,
        conformanceDir,
        custom,
        model,
      });
      const customUrls = new Set(custom.map((c) => c.url));
      for (const skip of engine.registry.skipped.filter((s) => customUrls.has(s.url))) {
        console.warn(`SearchParameter ${skip.url} is not usable: ${skip.reason}`);
      }
      const usable = custom.filter((c) => !engine.registry.skipped.some((s) => s.url === c.url));
      const report = await reindex(db, engine, { types: args, custom: usable, log: (message) => console.log(message) });
      console.log(`re-indexed ${report.resources} resources of ${args.length ? args.join(', ') : 'every type'}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
