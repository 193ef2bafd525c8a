// A Haven app on a database of its own, for tests that go through HTTP with app.inject.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, Runtime, type Services } from '../../src/runtime.js';
import type { Database } from '../../src/store/db.js';
import { createValidator, type ResourceValidator } from '../../src/fhir/validate.js';
import { testDatabase } from './database.js';

export const TEST_BASE_URL = 'http://haven.test';

interface TestLike {
  teardown(fn: () => unknown): void;
}

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  db: Database;
  config: Config;
  /** The database URL on PostgreSQL runs (for tests that start server processes). */
  databaseUrl?: string;
  /** Sends a request to /fhir (path relative to it) and parses the JSON answer. */
  fhir(method: InjectOptions['method'], path: string, body?: unknown, headers?: Record<string, string>): Promise<FhirResponse>;
}

export interface FhirResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

let validator: ResourceValidator | undefined;

/** The R4 validator, compiled once per test process. */
export function sharedValidator(): ResourceValidator {
  return (validator ??= createValidator());
}

export interface TestAppOptions {
  /** Called before the app is ready, e.g. to add hooks that set request.haven in tests. */
  configure?: (app: FastifyInstance) => void;
}

export async function testApp(t: TestLike, env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const { db, url } = await testDatabase(t);
  const config = loadConfig({ BASE_URL: TEST_BASE_URL, DATA_DIR: '/nonexistent', ...env });
  const services = createServices(config, db, { validator: sharedValidator() });
  const runtime = new Runtime();
  runtime.set(services);
  const app = buildApp({ config, runtime, logger: false });
  options.configure?.(app);
  await app.ready();
  t.teardown(() => app.close());
  const fhir: TestApp['fhir'] = async (method, path, body, headers = {}) => {
    const isPatch = method === 'PATCH';
    const response = await app.inject({
      method,
      url: `/fhir${path.startsWith('/') || path === '' ? path : '/' + path}`,
      headers: {
        ...(body !== undefined ? { 'content-type': isPatch ? 'application/json-patch+json' : 'application/fhir+json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    let json: unknown;
    try {
      json = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body: response.body, json };
  };
  return { app, services, db, config, databaseUrl: url, fhir };
}
