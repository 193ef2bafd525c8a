// The export job table (migrations/007_bulk.sql): every state change of a job is one statement
// here. The worker's writes carry the attempt they hold, so a worker that lost its lease (its
// instance paused or died and another took over) changes nothing.
import { randomBytes } from 'node:crypto';
import type { Actor } from '../context.js';
import type { Queryable } from '../db.js';

export type ExportLevel = 'system' | 'patient' | 'group';
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'expired';

export interface ExportParams {
  /** The types to export, decided at kick-off. */
  types: string[];
  since?: string;
  typeFilters: Record<string, Array<Array<[string, string]>>>;
  /** Group exports: the Group's id. */
  groupId?: string;
  /** Group exports: the compartments of the Group's members ("Patient/x"), fixed at kick-off. */
  members?: string[];
  /** Types left out because the token's scopes do not cover them (reported in `error`). */
  leftOut?: string[];
}

/** What of the token the worker needs to rebuild its access: scopes and the claims they depend on. */
export interface GrantClaims {
  issuer: 'haven' | 'external';
  scope: string;
  clientId?: string;
  subject?: string;
  fhirUser?: string;
  patient?: string;
}

export interface OutputFile {
  type: string;
  /** File name within the job's directory. */
  file: string;
  count: number;
}

/** What a kick-off records; the rest of a job is its progress. */
export interface NewJob {
  client: string;
  level: ExportLevel;
  requestUrl: string;
  params: ExportParams;
  grant: GrantClaims;
  actor: Actor;
}

export interface ExportJob extends NewJob {
  id: string;
  state: JobState;
  progress: string | null;
  transactionTime: Date | null;
  attempt: number;
  doneTypes: string[];
  output: OutputFile[];
  errors: OutputFile[];
  outcome: unknown;
  created: Date;
  finished: Date | null;
  expires: Date | null;
}

interface JobRow {
  id: string;
  client: string;
  level: ExportLevel;
  request_url: string;
  params: ExportParams | string;
  grant_claims: GrantClaims | string;
  actor: Actor | string;
  state: JobState;
  progress: string | null;
  transaction_time: Date | null;
  attempt: number;
  done_types: string[];
  output: OutputFile[] | string;
  errors: OutputFile[] | string;
  outcome: unknown;
  created: Date;
  finished: Date | null;
  expires: Date | null;
}

const COLUMNS =
  'id, client, level, request_url, params, grant_claims, actor, state, progress, transaction_time, attempt, done_types, output, errors, outcome, created, finished, expires';

export class ExportJobs {
  constructor(private readonly db: Queryable) {}

  async create(job: NewJob): Promise<string> {
    const id = randomBytes(16).toString('base64url');
    await this.db.query(
      `INSERT INTO bulk_export_job (id, client, level, request_url, params, grant_claims, actor) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb)`,
      [id, job.client, job.level, job.requestUrl, JSON.stringify(job.params), JSON.stringify(job.grant), JSON.stringify(job.actor)],
    );
    return id;
  }

  async get(id: string): Promise<ExportJob | undefined> {
    const { rows } = await this.db.query<JobRow>(`SELECT ${COLUMNS} FROM bulk_export_job WHERE id = $1`, [id]);
    return rows[0] && toJob(rows[0]);
  }

  /** Jobs of this client that are waiting or running (the 429 limit). */
  async activeCount(client: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM bulk_export_job WHERE client = $1 AND state IN ('queued', 'running')`, [
      client,
    ]);
    return rows[0]?.n ?? 0;
  }

  /**
   * Claims the oldest job that waits, or that runs under a lease that ran out (its worker is
   * gone): one statement, and SKIP LOCKED lets concurrent workers each take a different job.
   */
  async claim(worker: string, leaseSeconds: number): Promise<ExportJob | undefined> {
    const { rows } = await this.db.query<JobRow>(
      `UPDATE bulk_export_job j SET state = 'running', attempt = j.attempt + 1, worker = $1,
              lease_until = now() + make_interval(secs => $2)
        WHERE j.id = (SELECT id FROM bulk_export_job
                       WHERE state = 'queued' OR (state = 'running' AND lease_until < now())
                       ORDER BY created LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS.split(', ')
          .map((c) => `j.${c}`)
          .join(', ')}`,
      [worker, leaseSeconds],
    );
    return rows[0] && toJob(rows[0]);
  }

  /**
   * Renews the lease and records progress; false when this attempt no longer holds the job
   * (cancelled, or taken over), so the worker stops.
   */
  async heartbeat(id: string, attempt: number, leaseSeconds: number, progress: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE bulk_export_job SET lease_until = now() + make_interval(secs => $3), progress = $4
        WHERE id = $1 AND attempt = $2 AND state = 'running'`,
      [id, attempt, leaseSeconds, progress.slice(0, 99)],
    );
    return rowCount === 1;
  }

  /** Fixes the transaction time at the first attempt; later attempts read it back. */
  async setTransactionTime(id: string, attempt: number, time: Date): Promise<Date | undefined> {
    const { rows } = await this.db.query<{ transaction_time: Date }>(
      `UPDATE bulk_export_job SET transaction_time = coalesce(transaction_time, $3)
        WHERE id = $1 AND attempt = $2 AND state = 'running' RETURNING transaction_time`,
      [id, attempt, time.toISOString()],
    );
    return rows[0]?.transaction_time;
  }

  /** One type done: its files join the output, so a resumed job skips it. */
  async typeDone(id: string, attempt: number, type: string, files: OutputFile[]): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE bulk_export_job SET done_types = array_append(done_types, $3), output = output || $4::jsonb
        WHERE id = $1 AND attempt = $2 AND state = 'running'`,
      [id, attempt, type, JSON.stringify(files)],
    );
    return rowCount === 1;
  }

  async complete(id: string, attempt: number, errors: OutputFile[], retentionSeconds: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE bulk_export_job SET state = 'completed', errors = $3::jsonb, progress = 'done', finished = now(),
              expires = now() + make_interval(secs => $4), lease_until = NULL
        WHERE id = $1 AND attempt = $2 AND state = 'running'`,
      [id, attempt, JSON.stringify(errors), retentionSeconds],
    );
    return rowCount === 1;
  }

  async fail(id: string, attempt: number | undefined, outcome: unknown, retentionSeconds: number): Promise<void> {
    await this.db.query(
      `UPDATE bulk_export_job SET state = 'failed', outcome = $3::jsonb, finished = now(),
              expires = now() + make_interval(secs => $4), lease_until = NULL
        WHERE id = $1 AND ($2::int IS NULL OR attempt = $2) AND state IN ('queued', 'running')`,
      [id, attempt ?? null, JSON.stringify(outcome), retentionSeconds],
    );
  }

  /** DELETE on the status URL: a waiting or running job stops; a finished one's files may go now. */
  async cancel(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE bulk_export_job SET state = 'cancelled', finished = coalesce(finished, now()), expires = now(), lease_until = NULL
        WHERE id = $1 AND state IN ('queued', 'running', 'completed', 'failed')`,
      [id],
    );
    return rowCount === 1;
  }

  /** Finished jobs whose files are due to be removed (expired, cancelled). */
  async due(limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM bulk_export_job WHERE state IN ('completed', 'cancelled', 'failed') AND expires <= now() ORDER BY expires LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** After its files are gone: the job answers 404 from now on and is no longer due. */
  async markExpired(id: string): Promise<void> {
    await this.db.query(`UPDATE bulk_export_job SET state = 'expired', expires = NULL WHERE id = $1 AND state IN ('completed', 'cancelled', 'failed')`, [id]);
  }

  /** Gives the lease up at once (a worker stopping mid-job), so another instance takes the job over without waiting. */
  async release(job: Pick<ExportJob, 'id' | 'attempt'>): Promise<void> {
    await this.db.query(`UPDATE bulk_export_job SET lease_until = now() WHERE id = $1 AND attempt = $2 AND state = 'running'`, [job.id, job.attempt]);
  }
}

function json<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function toJob(row: JobRow): ExportJob {
  return {
    id: row.id,
    client: row.client,
    level: row.level,
    requestUrl: row.request_url,
    params: json(row.params),
    grant: json(row.grant_claims),
    actor: json(row.actor),
    state: row.state,
    progress: row.progress,
    transactionTime: row.transaction_time && new Date(row.transaction_time),
    attempt: row.attempt,
    doneTypes: row.done_types,
    output: json(row.output),
    errors: json(row.errors),
    outcome: row.outcome,
    created: new Date(row.created),
    finished: row.finished && new Date(row.finished),
    expires: row.expires && new Date(row.expires),
  };
}
