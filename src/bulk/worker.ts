// The export worker of one instance: claims jobs from the table (any instance may have written
// them), runs them one at a time, and removes the files of jobs that expired or were cancelled.
// A job is claimed under a lease that each page renews; if this instance stops or dies, the lease
// runs out and another worker (or this one after a restart) resumes the job. A clean stop hands
// the lease back at once.
import { randomUUID } from 'node:crypto';
import type { Services } from '../runtime.js';
import { operationOutcome } from '../fhir/outcome.js';
import { runExportJob, JobLost, type RunnerOptions } from './export-runner.js';
import { ExportFiles } from './files.js';
import { ExportJobs, type ExportJob } from '../store/bulk/jobs.js';

export interface WorkerOptions {
  /** How often to look for work when idle. */
  pollMs?: number;
  leaseSeconds?: number;
  /** A job claimed this many times without finishing fails (it keeps crashing its worker). */
  maxAttempts?: number;
  pageSize?: number;
  graceMs?: number;
  afterPage?: RunnerOptions['afterPage'];
  log?: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export class BulkWorker {
  readonly id = `worker-${randomUUID()}`;
  readonly jobs: ExportJobs;
  readonly files: ExportFiles;
  private readonly abort = new AbortController();
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private current?: ExportJob;

  constructor(
    private readonly services: Services,
    private readonly options: WorkerOptions = {},
  ) {
    this.jobs = new ExportJobs(services.db);
    this.files = new ExportFiles(services.config.bulk.dir);
  }

  /** Polls until stop(). */
  start(): this {
    const tick = () => {
      this.running = this.drain()
        .catch((error: unknown) => this.options.log?.error({ err: error }, 'bulk worker failed'))
        .finally(() => {
          if (!this.abort.signal.aborted) this.timer = setTimeout(tick, this.options.pollMs ?? 1000);
        });
    };
    tick();
    return this;
  }

  /** Runs jobs until none is waiting, then removes what is due. Tests call it directly. */
  async drain(): Promise<number> {
    let done = 0;
    while (!this.abort.signal.aborted && (await this.runOne())) done++;
    if (!this.abort.signal.aborted) await this.cleanUp();
    return done;
  }

  /** Claims and runs one job; false when there was none. */
  async runOne(): Promise<boolean> {
    const leaseSeconds = this.options.leaseSeconds ?? 60;
    const job = await this.jobs.claim(this.id, leaseSeconds);
    if (!job) return false;
    const { config } = this.services;
    if (job.attempt > (this.options.maxAttempts ?? 3)) {
      await this.jobs.fail(
        job.id,
        job.attempt,
        operationOutcome([
          {
            severity: 'error',
            code: 'exception',
            errorCode: 'export-abandoned',
            diagnostics: `The export stopped ${job.attempt - 1} times without finishing and was given up`,
          },
        ]),
        config.bulk.retentionSeconds,
      );
      return true;
    }
    this.current = job;
    try {
      await runExportJob(this.services, this.jobs, job, {
        files: this.files,
        leaseSeconds,
        pageSize: this.options.pageSize ?? config.maxPageSize,
        fileLimit: config.bulk.fileMaxResources,
        retentionSeconds: config.bulk.retentionSeconds,
        graceMs: this.options.graceMs ?? 1000,
        signal: this.abort.signal,
        afterPage: this.options.afterPage,
      });
      this.options.log?.info({ job: job.id, attempt: job.attempt }, 'bulk export done');
    } catch (error) {
      if (error instanceof JobLost) {
        // Stopping: hand the job back so it resumes without waiting for the lease to run out.
        if (this.abort.signal.aborted) await this.release(job);
        return true;
      }
      this.options.log?.error({ err: error, job: job.id }, 'bulk export failed');
      await this.jobs.fail(
        job.id,
        job.attempt,
        operationOutcome([
          { severity: 'error', code: 'exception', errorCode: 'internal-error', diagnostics: 'The export failed on the server; start a new one' },
        ]),
        config.bulk.retentionSeconds,
      );
    } finally {
      this.current = undefined;
    }
    return true;
  }

  private async release(job: ExportJob): Promise<void> {
    await this.jobs.release(job).catch(() => undefined);
  }

  /** Files of expired and cancelled jobs go; the job then answers 404. */
  async cleanUp(): Promise<number> {
    const due = await this.jobs.due(100);
    for (const id of due) {
      await this.files.removeJob(id);
      await this.jobs.markExpired(id);
    }
    return due.length;
  }

  /** Stops polling; a job in progress stops after its current page and is handed back. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

export function startBulkWorker(services: Services, log?: WorkerOptions['log']): BulkWorker {
  return new BulkWorker(services, { log }).start();
}
