-- Bulk Data $export jobs (src/bulk/). A job row is written at kick-off and is the only state an
-- export has: any instance's worker claims it (FOR UPDATE SKIP LOCKED), keeps a lease on it while
-- it runs, and a job whose lease ran out (its instance stopped) is claimed again and resumed.
-- `attempt` fences the workers: only the holder of the current attempt may record progress, so a
-- worker that lost its lease can never complete a job another worker has taken over.

CREATE TABLE bulk_export_job (
  -- 128 random bits, base64url: the status URL is not guessable.
  id               text        PRIMARY KEY,
  -- Who asked: the token's issuer and client. Status, files and DELETE answer only to it.
  client           text        NOT NULL,
  level            text        NOT NULL CHECK (level IN ('system', 'patient', 'group')),
  -- The kick-off URL as the client sent it (the manifest's `request`).
  request_url      text        NOT NULL,
  -- Parsed parameters: types, since, type filters, the Group's members.
  params           jsonb       NOT NULL,
  -- The token's grant (scopes, claims) and the audit actor, so the worker exports with exactly the
  -- access the kick-off had and records its reads under the client's name.
  grant_claims     jsonb       NOT NULL,
  actor            jsonb       NOT NULL,
  state            text        NOT NULL DEFAULT 'queued'
                               CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'expired')),
  progress         text,
  -- The manifest's transactionTime, fixed by the first attempt and kept by the ones that resume.
  transaction_time timestamptz,
  attempt          integer     NOT NULL DEFAULT 0,
  worker           text,
  lease_until      timestamptz,
  -- Types finished so far, and the files written: [{type, file, count}] and the error files.
  done_types       text[]      NOT NULL DEFAULT '{}',
  output           jsonb       NOT NULL DEFAULT '[]',
  errors           jsonb       NOT NULL DEFAULT '[]',
  -- Why a failed job failed (an OperationOutcome).
  outcome          jsonb,
  created          timestamptz NOT NULL DEFAULT now(),
  finished         timestamptz,
  expires          timestamptz
);

-- The worker's claim: the oldest job that waits, or runs without a live lease.
CREATE INDEX bulk_export_job_pending ON bulk_export_job (created) WHERE state IN ('queued', 'running');
-- Clean-up: finished jobs whose files are due to go.
CREATE INDEX bulk_export_job_expires ON bulk_export_job (expires) WHERE state IN ('completed', 'cancelled', 'failed');
-- The per-client limit on active jobs.
CREATE INDEX bulk_export_job_client ON bulk_export_job (client) WHERE state IN ('queued', 'running');
