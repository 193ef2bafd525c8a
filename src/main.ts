// Process entry for `npm start`: configuration from the environment, then serve until a signal.
import { ConfigError, loadConfig } from './config.js';
import { serve } from './cluster.js';

try {
  await serve(loadConfig());
} catch (error) {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
}
