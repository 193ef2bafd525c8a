// Runs one claimed export job: for each type, the store's own search (keyset-paged, the access
// rule and the audit record in every page's statement) streamed page by page into NDJSON files,
// the stored JSON text written as it is (no parse, no stringify). Progress and the lease are
// renewed after each page; a type's files join the job when the type is done, so a resumed job
// starts again at the first unfinished type.
import type { FileHandle } from 'node:fs/promises';
import { grantFromClaims } from '../auth/grant.js';
import type { Services } from '../runtime.js';
import type { Access } from '../store/context.js';
import type { SearchCursor } from '../store/search/request.js';
import { exportAccess, readAccess, systemOnly } from './export-access.js';
import type { ExportFiles } from './files.js';
import type { ExportJob, ExportJobs, OutputFile } from '../store/bulk/jobs.js';
import { storedTypes, transactionsStartedBefore } from '../store/bulk/export-queries.js';

export interface RunnerOptions {
  files: ExportFiles;
  leaseSeconds: number;
  /** Resources per search page (at most the search's maximum page size). */
  pageSize: number;
  /** Resources per file before the next file of the type begins. */
  fileLimit: number;
  retentionSeconds: number;
  /**
   * Time allowed for writes whose timestamp was taken before the transaction time to reach the
   * database (see waitForWritesInFlight).
   */
  graceMs: number;
  signal?: AbortSignal;
  /** Called after each page (tests use it to stop a worker in the middle of an export). */
  afterPage?: (job: ExportJob, type: string, page: number) => void | Promise<void>;
}

/** Thrown when this attempt no longer holds the job: cancelled, or taken over by another worker. */
export class JobLost extends Error {}

export async function runExportJob(services: Services, jobs: ExportJobs, job: ExportJob, options: RunnerOptions): Promise<void> {
  const transactionTime = await fixTransactionTime(services, jobs, job, options);
  const grant = systemOnly(grantFromClaims(job.grant.issuer, claimsRecord(job), services.config.fhirBaseUrl));
  const present = new Set(await presentTypes(services));
  const types = job.params.types.filter((t) => present.has(t) && !job.doneTypes.includes(t));
  let page = 0;
  for (const [index, type] of types.entries()) {
    // The token's rights at kick-off, rebuilt from its claims (a later restriction is re-applied).
    const tokenAccess = readAccess(services.auth.authorizer, grant, type);
    const files = tokenAccess
      ? await exportType(
          services,
          jobs,
          job,
          type,
          exportAccess(tokenAccess, type, job.params),
          transactionTime,
          options,
          () => `${type} (${index + 1} of ${types.length}), page ${++page}`,
        )
      : [];
    if (!(await jobs.typeDone(job.id, job.attempt, type, files))) throw new JobLost();
  }
  const errors: OutputFile[] = [];
  const leftOut = (job.params.leftOut ?? []).filter((t) => present.has(t));
  if (leftOut.length) errors.push(await writeLeftOut(options.files, job, leftOut));
  if (!(await jobs.complete(job.id, job.attempt, errors, options.retentionSeconds))) throw new JobLost();
}

/** The claims as a token would carry them, for grantFromClaims. */
function claimsRecord(job: ExportJob): Record<string, unknown> {
  const g = job.grant;
  return {
    scope: g.scope,
    ...(g.clientId ? { client_id: g.clientId } : {}),
    ...(g.subject ? { sub: g.subject } : {}),
    ...(g.fhirUser ? { fhirUser: g.fhirUser } : {}),
    ...(g.patient ? { patient: g.patient } : {}),
  };
}

/**
 * The manifest's transactionTime: fixed by the first attempt. Everything with meta.lastUpdated at or
 * before it is exported (the search says `_lastUpdated=le<time>`), and a resource changed after it
 * is left at its newer version and so out of the export, with a lastUpdated after it. Writes stamp
 * their time before they commit, so the first attempt waits for those still in flight.
 */
async function fixTransactionTime(services: Services, jobs: ExportJobs, job: ExportJob, options: RunnerOptions): Promise<Date> {
  if (job.transactionTime) return job.transactionTime;
  const chosen = new Date();
  const time = await jobs.setTransactionTime(job.id, job.attempt, chosen);
  if (!time) throw new JobLost();
  await waitForWritesInFlight(services, new Date(time), options);
  return new Date(time);
}

/**
 * Waits until every write that may carry a timestamp up to `time` has committed or given up:
 * first the grace period (a write reads the clock just before its statement reaches the server),
 * then, on PostgreSQL, until no other session has a transaction that began before the end of it
 * (at most 30 s: a session left idle in a transaction must not stall exports forever). PGlite runs
 * one transaction at a time, so the next statement already comes after every earlier one.
 */
async function waitForWritesInFlight(services: Services, time: Date, options: RunnerOptions): Promise<void> {
  const until = time.getTime() + options.graceMs;
  const wait = until - Date.now();
  if (wait > 0) await sleep(wait, options.signal);
  if (services.db.engine !== 'postgres') return;
  const horizon = new Date(until).toISOString();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (!(await transactionsStartedBefore(services.db, horizon))) return;
    await sleep(100, options.signal);
  }
}

/**
 * The resource types that have any rows, so an export does not run (and record) a search for each
 * of the ~145 R4 types. Type names only; the resources themselves are read by the store's searches.
 */
async function presentTypes(services: Services): Promise<string[]> {
  return storedTypes(services.db);
}

async function exportType(
  services: Services,
  jobs: ExportJobs,
  job: ExportJob,
  type: string,
  access: Access,
  transactionTime: Date,
  options: RunnerOptions,
  describe: () => string,
): Promise<OutputFile[]> {
  const criteria: Array<[string, string]> = [['_lastUpdated', `le${transactionTime.toISOString()}`]];
  if (job.params.since) criteria.push(['_lastUpdated', `gt${job.params.since}`]);
  const pageSize = Math.min(options.pageSize, services.config.maxPageSize);
  criteria.push(['_count', String(pageSize)]);
  const parsed = services.search.parse([type], criteria);
  const ctx = { actor: job.actor, access };
  const query = `${levelPath(job)}$export?_type=${type}${job.params.since ? `&_since=${job.params.since}` : ''}${job.params.typeFilters[type] ? '&_typeFilter=' + encodeURIComponent(JSON.stringify(job.params.typeFilters[type])) : ''}`;
  const files: OutputFile[] = [];
  let current: { handle: FileHandle; file: OutputFile } | undefined;
  let cursor: SearchCursor | undefined;
  let page = 0;
  try {
    do {
      if (options.signal?.aborted) throw new JobLost('stopping');
      const result = await services.store.reader(ctx).searchPage({ ...parsed.request, total: 'none', cursor }, query);
      let i = 0;
      while (i < result.matches.length) {
        if (!current || current.file.count >= options.fileLimit) {
          if (current) await current.handle.close();
          const file = { type, file: `${type}-${job.attempt}-${files.length + 1}.ndjson`, count: 0 };
          current = { handle: await options.files.create(job.id, file.file), file };
          files.push(file);
        }
        const room = options.fileLimit - current.file.count;
        const chunk = result.matches.slice(i, i + room);
        await current.handle.write(chunk.map((m) => m.json).join('\n') + '\n');
        current.file.count += chunk.length;
        i += chunk.length;
      }
      cursor = result.next;
      page++;
      if (!(await jobs.heartbeat(job.id, job.attempt, options.leaseSeconds, describe()))) throw new JobLost();
      await options.afterPage?.(job, type, page);
    } while (cursor);
  } catch (error) {
    // What this attempt wrote of an unfinished type is of no use to anyone.
    await current?.handle.close().catch(() => undefined);
    current = undefined;
    for (const f of files) await options.files.remove(job.id, f.file).catch(() => undefined);
    throw error;
  } finally {
    await current?.handle.close();
  }
  return files;
}

/** "", "Patient/" or "Group/<id>/": the kick-off's path, for the audit record's query. */
function levelPath(job: ExportJob): string {
  if (job.level === 'patient') return 'Patient/';
  if (job.level === 'group') return `Group/${job.params.groupId ?? ''}/`;
  return '';
}

/** The informational OperationOutcome for types the scopes did not cover (section 6). */
async function writeLeftOut(files: ExportFiles, job: ExportJob, types: string[]): Promise<OutputFile> {
  const name = `OperationOutcome-${job.attempt}-left-out.ndjson`;
  const handle = await files.create(job.id, name);
  const outcome = {
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'information', code: 'informational', diagnostics: `Not exported: this token's system/ scopes do not allow reading ${types.join(', ')}` },
    ],
  };
  try {
    await handle.write(JSON.stringify(outcome) + '\n');
  } finally {
    await handle.close();
  }
  return { type: 'OperationOutcome', file: name, count: 1 };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new JobLost('stopping'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new JobLost('stopping'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
