import { loadConfig } from '../config.js';
import { migrationsDir } from '../paths.js';
import { openDatabase } from '../store/open-database.js';
import { loadMigrations, migrate } from '../store/migrate.js';
import type { Command } from './command.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations and exit',
  usage:
    'haven migrate\n\nUses DATABASE_URL, or the embedded database in DATA_DIR. The embedded database allows one\nprocess at a time: stop the server first (it also migrates at start).',
  async run() {
    const config = loadConfig();
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
    try {
      const report = await migrate(db, loadMigrations(migrationsDir), (message) => console.log(message));
      console.log(`database at migration ${report.current} (${report.applied.length} applied now)`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
