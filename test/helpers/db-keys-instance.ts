// A Haven app over a given database with its signing keys in that database (DATABASE_URL without
// KEYS_DIR), for tests of several instances on one database seeing each other's key rotations
// and revocations.
import type { Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, Runtime, type Services } from '../../src/runtime.js';
import type { Database } from '../../src/store/db.js';
import { sharedValidator, TEST_BASE_URL } from './app.js';

export interface KeysInDatabaseInstance {
  services: Services;
  /** The status of a search with this bearer token. */
  status(token: string): Promise<number>;
}

export async function keysInDatabaseInstance(t: Test, db: Database): Promise<KeysInDatabaseInstance> {
  const loaded = loadConfig({ BASE_URL: TEST_BASE_URL, DATA_DIR: '/nonexistent' });
  const config: Config = { ...loaded, auth: { ...loaded.auth, keysDir: undefined } };
  const services = createServices(config, db, { validator: sharedValidator() });
  const runtime = new Runtime();
  runtime.set(services);
  const app = buildApp({ config, runtime, logger: false });
  await app.ready();
  t.teardown(() => app.close());
  return {
    services,
    status: async (token) => (await app.inject({ method: 'GET', url: '/fhir/Patient', headers: { authorization: `Bearer ${token}` } })).statusCode,
  };
}
