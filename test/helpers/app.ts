// A Haven app on a database of its own, for tests that go through HTTP with app.inject.
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { mintAccessToken } from '../../src/auth/tokens.js';
import { packageRoot } from '../../src/paths.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, Runtime, type Services } from '../../src/runtime.js';
import type { Database } from '../../src/store/db.js';
import { createValidator, type ResourceValidator } from '../../src/fhir/validate.js';
import { testDatabase } from './database.js';
import { usePasswordCost } from '../../src/oauth/password.js';

// Test processes hash passwords with scrypt at N=2^10 instead of 2^17: the same algorithm and
// stored format, without 128 MiB and ~0.4 s of a core for each of the sign-in tests' many hashes.
// The CLI and server processes tests start keep the production cost, and
// test/oauth/user-command.test.ts checks that cost in the hash the CLI stores.
usePasswordCost({ log2N: 10, r: 8, p: 1 });

export const TEST_BASE_URL = 'http://haven.test';
/** Signing keys shared by every test process of a run (made once; see src/auth/keys.ts). */
export const TEST_KEYS_DIR = path.join(packageRoot, '.tap', 'haven', 'keys');
/** The scope of the token `fhir` sends by default: everything, as a backend service. */
export const DEFAULT_TEST_SCOPE = 'system/*.cruds';

export interface TokenClaims {
  patient?: string;
  subject?: string;
  fhirUser?: string;
  clientId?: string;
  ttlSeconds?: number;
}

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
  /**
   * Sends a request to /fhir (path relative to it) with a system/*.cruds token and parses the JSON
   * answer. Headers that carry their own `authorization` replace the token.
   */
  fhir: FhirClient;
  /** `Bearer <default token>`, for requests sent with app.inject directly (e.g. to /api). */
  authorization: string;
  /** The same, with another token, or with none (undefined). */
  as(token: string | undefined): FhirClient;
  /** Mints a token this app accepts, e.g. token('patient/*.rs', { patient: 'a' }). */
  token(scope: string, claims?: TokenClaims): Promise<string>;
}

export type FhirClient = (method: InjectOptions['method'], path: string, body?: unknown, headers?: Record<string, string>) => Promise<FhirResponse>;

export interface TestAppOptions {
  /** Called before the app is ready, e.g. to add hooks that set request.haven in tests. */
  configure?: (app: FastifyInstance) => void;
  /** The database the app is given in place of the test database (e.g. a StatementRecorder's). */
  database?: (db: Database) => Database;
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

export async function testApp(t: TestLike, env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const { db: testDb, url } = await testDatabase(t);
  const db = options.database ? options.database(testDb) : testDb;
  const config = loadConfig({ BASE_URL: TEST_BASE_URL, DATA_DIR: '/nonexistent', KEYS_DIR: TEST_KEYS_DIR, ...env });
  const services = createServices(config, db, { validator: sharedValidator() });
  const runtime = new Runtime();
  runtime.set(services);
  const app = buildApp({ config, runtime, logger: false });
  options.configure?.(app);
  await app.ready();
  t.teardown(() => app.close());
  const token: TestApp['token'] = (scope, claims = {}) =>
    mintAccessToken(services.auth.keys, services.auth.settings, { scope, ttlSeconds: claims.ttlSeconds ?? 3600, ...claims });
  const defaultToken = await token(DEFAULT_TEST_SCOPE);
  const as =
    (bearer: string | undefined): FhirClient =>
    async (method, path, body, headers = {}) => {
      const isPatch = method === 'PATCH';
      const response = await app.inject({
        method,
        url: `/fhir${path.startsWith('/') || path === '' ? path : '/' + path}`,
        headers: {
          ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}),
          ...(body !== undefined ? { 'content-type': isPatch ? 'application/json-patch+json' : 'application/fhir+json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return readResponse(response);
    };
  return { app, services, db, config, databaseUrl: url, fhir: as(defaultToken), authorization: `Bearer ${defaultToken}`, as, token };
}

/** An injected response with its body parsed as JSON (undefined when it is none). */
export function readResponse(response: { statusCode: number; headers: FhirResponse['headers']; body: string }): FhirResponse {
  let json: unknown;
  try {
    json = response.body ? JSON.parse(response.body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body: response.body, json };
}
