// Environment -> one typed Config. Nothing else in Haven reads process.env.
import path from 'node:path';

export interface Config {
  host: string;
  port: number;
  /** Public address used in fullUrl, Location and paging links; no trailing slash. */
  baseUrl: string;
  /** FHIR base: `${baseUrl}/fhir`. */
  fhirBaseUrl: string;
  /** node-postgres connection string; when absent Haven uses the embedded PGlite in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** Connections in the node-postgres pool. */
  dbPoolSize: number;
  logLevel: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** IANA zone used to read search dates that carry no zone. */
  defaultTimeZone: string;
  /** Page size when a client sends no _count, and the largest page served. */
  defaultPageSize: number;
  maxPageSize: number;
  /** Most entries a batch or transaction Bundle may carry. */
  bundleMaxEntries: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const host = env.HOST || '127.0.0.1';
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const baseUrl = trimSlash(env.BASE_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  checkUrl('BASE_URL', baseUrl);
  const defaultPageSize = integer(env, 'SEARCH_DEFAULT_COUNT', 20, 1, 10000);
  const maxPageSize = integer(env, 'SEARCH_MAX_COUNT', 1000, 1, 10000);
  if (defaultPageSize > maxPageSize) throw new ConfigError('SEARCH_DEFAULT_COUNT must not exceed SEARCH_MAX_COUNT');
  const defaultTimeZone = env.TZ_DEFAULT || 'UTC';
  checkTimeZone(defaultTimeZone);
  return {
    host,
    port,
    baseUrl,
    fhirBaseUrl: `${baseUrl}/fhir`,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 1000),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimit: integer(env, 'BODY_LIMIT', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    defaultTimeZone,
    defaultPageSize,
    maxPageSize,
    bundleMaxEntries: integer(env, 'BUNDLE_MAX_ENTRIES', 1000, 1, 100000),
  };
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function checkUrl(name: string, value: string): void {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`);
  }
}

function checkTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ConfigError(`TZ_DEFAULT must be an IANA time zone such as Europe/Berlin, got "${zone}"`);
  }
}
