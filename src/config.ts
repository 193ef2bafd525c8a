// Environment -> one typed Config. Nothing else in Haven reads process.env.
import os from 'node:os';
import path from 'node:path';
import { validate as validCronExpression } from 'node-cron';
import { DEFAULT_SEARCH_BOUNDS, type SearchBounds } from './store/search/bounds.js';

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
  /** Connections in the node-postgres pool (of each worker). */
  dbPoolSize: number;
  /**
   * Processes serving the one port (WORKERS: a number, or `auto` for one per core; default 1).
   * More than one needs DATABASE_URL: the embedded PGlite belongs to one process (src/cluster.ts).
   */
  workers: number;
  /**
   * Longest a database statement of the server may run, in ms (DB_STATEMENT_TIMEOUT_MS; 0: no
   * limit). PostgreSQL cancels it (SQLSTATE 57014, answered 503); PGlite cannot (docs/security.md).
   */
  dbStatementTimeoutMs: number;
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
  /** What one search may ask for (SEARCH_MAX_PARAMETERS, ..._VALUES, ..._SORT_KEYS, ..._INCLUDES, ..._INCLUDE_DEPTH). */
  searchBounds: SearchBounds;
  auth: AuthConfig;
  audit: AuditConfig;
  bulk: BulkConfig;
  subscriptions: SubscriptionConfig;
  /** node-cron expression of the scheduled clinical-alert rules (missed-dose, adherence-low, assessment-due); "off" disables. */
  alertsSchedule: string;
  /** The care-team dashboard's SMART client id (DASHBOARD_CLIENT_ID; default haven-dashboard). */
  dashboardClientId: string;
}

/** Bulk Data $export (src/bulk/). */
export interface BulkConfig {
  /** Where export files are written (BULK_DIR; default DATA_DIR/bulk). Shared storage with several instances. */
  dir: string;
  /** How long the files of a finished export are kept, in seconds (BULK_FILE_TTL; default one day). */
  retentionSeconds: number;
  /** Resources per NDJSON file before the next file of the type (BULK_FILE_MAX_RESOURCES). */
  fileMaxResources: number;
  /** Exports a client may have waiting or running at once (BULK_MAX_ACTIVE_JOBS); more answer 429. */
  maxActiveJobs: number;
}

/** Subscription delivery (src/subscriptions/). */
export interface SubscriptionConfig {
  /**
   * Origins endpoints may be at (SUBSCRIPTION_ORIGINS, comma separated; `*` for any). Empty: only
   * https endpoints outside loopback and private networks.
   */
  origins: string[];
  /** How long the delivery worker waits between polls when it found nothing (SUBSCRIPTION_POLL_MS). */
  pollMs: number;
  /** Timeout of one delivery POST (SUBSCRIPTION_TIMEOUT_MS). */
  timeoutMs: number;
  /** First retry delay; doubled per failure, with jitter, up to 1 hour (SUBSCRIPTION_RETRY_MS). */
  retryMs: number;
  /** Failed attempts of one notification after which the Subscription turns `error` (SUBSCRIPTION_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Whether this instance runs the delivery worker (SUBSCRIPTION_WORKER=off to stop it). */
  worker: boolean;
}

export interface AuditConfig {
  /** Monthly audit partitions older than this many months are exported and removed. */
  retentionMonths: number;
  /** Where removed partitions are exported as NDJSON. */
  exportDir: string;
  /** node-cron expression of the audit maintenance job (partitions ahead, retention). */
  schedule: string;
  /**
   * How a read made outside a transaction commits its audit row: 'async' does not wait for the
   * WAL flush (a database server crash can lose the last fraction of a second of read records),
   * 'sync' waits like any write. See docs/audit.md.
   */
  readCommit: 'async' | 'sync';
}

export interface AuthConfig {
  /** Issuer (`iss`) of Haven's own tokens: the FHIR base. */
  issuer: string;
  /** An outside authorization server whose tokens are accepted too (AUTH_ISSUER + AUTH_JWKS_URL). */
  external?: { issuer: string; jwksUrl: string };
  /**
   * Where Haven's signing keys live: a directory (KEYS_DIR; default DATA_DIR/keys for the embedded
   * database), or, with DATABASE_URL and no KEYS_DIR, the database, so that every instance shares them.
   */
  keysDir?: string;
  /** `care-team` (default): user/ tokens reach the patients of their care relationships; `all`: every patient. */
  userAccess: 'care-team' | 'all';
  /** Browser origins allowed to call the API (CORS_ORIGINS, comma separated; `*` for any). */
  corsOrigins: string[];
  /** Token requests per client address and minute (TOKEN_RATE_LIMIT). */
  tokenRateLimit: number;
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
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL || undefined;
  return {
    host,
    port,
    baseUrl,
    fhirBaseUrl: `${baseUrl}/fhir`,
    databaseUrl,
    dataDir,
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 1000),
    workers: workers(env, databaseUrl),
    dbStatementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 30000, 0, 24 * 3600 * 1000),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimit: integer(env, 'BODY_LIMIT', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    defaultTimeZone,
    defaultPageSize,
    maxPageSize,
    bundleMaxEntries: integer(env, 'BUNDLE_MAX_ENTRIES', 10000, 1, 100000),
    searchBounds: {
      maxParameters: integer(env, 'SEARCH_MAX_PARAMETERS', DEFAULT_SEARCH_BOUNDS.maxParameters, 1, 10000),
      maxValues: integer(env, 'SEARCH_MAX_VALUES', DEFAULT_SEARCH_BOUNDS.maxValues, 1, 100000),
      // Each key is a column of the statement: far below PostgreSQL's 1664 target-list entries.
      maxSortKeys: integer(env, 'SEARCH_MAX_SORT_KEYS', DEFAULT_SEARCH_BOUNDS.maxSortKeys, 1, 100),
      maxIncludeParameters: integer(env, 'SEARCH_MAX_INCLUDES', DEFAULT_SEARCH_BOUNDS.maxIncludeParameters, 0, 1000),
      maxIncludeDepth: integer(env, 'SEARCH_MAX_INCLUDE_DEPTH', DEFAULT_SEARCH_BOUNDS.maxIncludeDepth, 1, 10),
    },
    auth: loadAuthConfig(env, `${baseUrl}/fhir`, dataDir, databaseUrl),
    audit: auditConfig(env, dataDir),
    bulk: {
      dir: path.resolve(dataDir, env.BULK_DIR || 'bulk'),
      retentionSeconds: integer(env, 'BULK_FILE_TTL', 86400, 60, 365 * 86400),
      fileMaxResources: integer(env, 'BULK_FILE_MAX_RESOURCES', 100000, 1, 10000000),
      maxActiveJobs: integer(env, 'BULK_MAX_ACTIVE_JOBS', 2, 1, 1000),
    },
    subscriptions: subscriptionConfig(env),
    alertsSchedule: alertsSchedule(env),
    dashboardClientId: dashboardClientId(env),
  };
}

function subscriptionConfig(env: Env): SubscriptionConfig {
  const origins = (env.SUBSCRIPTION_ORIGINS ?? '')
    .split(',')
    .map((o) => trimSlash(o.trim()))
    .filter(Boolean);
  for (const origin of origins) if (origin !== '*') checkUrl('SUBSCRIPTION_ORIGINS', origin);
  const worker = env.SUBSCRIPTION_WORKER || 'on';
  if (worker !== 'on' && worker !== 'off') throw new ConfigError(`SUBSCRIPTION_WORKER must be on or off, got "${worker}"`);
  return {
    origins,
    pollMs: integer(env, 'SUBSCRIPTION_POLL_MS', 1000, 10, 600000),
    timeoutMs: integer(env, 'SUBSCRIPTION_TIMEOUT_MS', 10000, 100, 120000),
    retryMs: integer(env, 'SUBSCRIPTION_RETRY_MS', 5000, 1, 3600000),
    maxAttempts: integer(env, 'SUBSCRIPTION_MAX_ATTEMPTS', 8, 1, 100),
    worker: worker === 'on',
  };
}

function loadAuthConfig(env: Env, fhirBaseUrl: string, dataDir: string, databaseUrl: string | undefined): AuthConfig {
  const issuer = env.AUTH_ISSUER || undefined;
  const jwksUrl = env.AUTH_JWKS_URL || undefined;
  if (!issuer !== !jwksUrl) throw new ConfigError('AUTH_ISSUER and AUTH_JWKS_URL go together: set both or neither');
  if (jwksUrl) checkUrl('AUTH_JWKS_URL', jwksUrl);
  const userAccess = env.USER_ACCESS || 'care-team';
  if (userAccess !== 'care-team' && userAccess !== 'all') {
    throw new ConfigError(`USER_ACCESS must be "care-team" or "all", got "${userAccess}"`);
  }
  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => trimSlash(o.trim()))
    .filter(Boolean);
  for (const origin of corsOrigins) if (origin !== '*') checkUrl('CORS_ORIGINS', origin);
  return {
    issuer: fhirBaseUrl,
    ...(issuer && jwksUrl ? { external: { issuer, jwksUrl } } : {}),
    keysDir: env.KEYS_DIR ? path.resolve(env.KEYS_DIR) : databaseUrl ? undefined : path.join(dataDir, 'keys'),
    userAccess,
    corsOrigins,
    tokenRateLimit: integer(env, 'TOKEN_RATE_LIMIT', 30, 1, 100000),
  };
}

function dashboardClientId(env: Env): string {
  const id = env.DASHBOARD_CLIENT_ID || 'haven-dashboard';
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(id))
    throw new ConfigError(`DASHBOARD_CLIENT_ID may hold letters, digits and . _ - (at most 100), got "${id.slice(0, 100)}"`);
  return id;
}

function workers(env: Env, databaseUrl: string | undefined): number {
  if (env.WORKERS === 'auto') return databaseUrl ? os.availableParallelism() : 1; // the embedded database: one process
  const count = integer(env, 'WORKERS', 1, 1, 256);
  if (count > 1 && !databaseUrl) {
    throw new ConfigError(`WORKERS=${count} needs DATABASE_URL: the embedded PGlite database can be opened by one process only (WORKERS=1, or auto)`);
  }
  return count;
}

function alertsSchedule(env: Env): string {
  const schedule = env.ALERTS_SCHEDULE || '*/15 * * * *';
  if (schedule !== 'off' && !validCronExpression(schedule))
    throw new ConfigError(`ALERTS_SCHEDULE must be a cron expression such as "*/15 * * * *" or "off", got "${schedule}"`);
  return schedule;
}

function auditConfig(env: Env, dataDir: string): AuditConfig {
  const schedule = env.AUDIT_SCHEDULE || '17 3 * * *';
  if (!validCronExpression(schedule)) throw new ConfigError(`AUDIT_SCHEDULE must be a cron expression such as "17 3 * * *", got "${schedule}"`);
  const readCommit = env.AUDIT_READ_COMMIT || 'async';
  if (readCommit !== 'async' && readCommit !== 'sync') throw new ConfigError(`AUDIT_READ_COMMIT must be async or sync, got "${readCommit}"`);
  return {
    retentionMonths: integer(env, 'AUDIT_RETENTION_MONTHS', 84, 1, 1200),
    exportDir: path.resolve(dataDir, env.AUDIT_EXPORT_DIR || 'audit-export'),
    schedule,
    readCommit,
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
