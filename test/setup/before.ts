// Runs once before the test files (tap's `before`): one migrated template database per run.
import { buildPgliteTemplate, dropLeftoverDatabases, engine, migratePostgresTemplate } from '../helpers/database.js';

if (engine === 'postgres') {
  await dropLeftoverDatabases();
  await migratePostgresTemplate();
} else {
  await buildPgliteTemplate();
}
