// Runs once after the test files (tap's `after`): nothing of the run is left on the server.
import { dropLeftoverDatabases, engine } from '../helpers/database.js';

if (engine === 'postgres') await dropLeftoverDatabases();
