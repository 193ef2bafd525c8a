// Where export files live: one directory per job under BULK_DIR (default DATA_DIR/bulk).
//
// Why a directory and not the database: an export can be gigabytes of NDJSON that is written
// once, read a few times and deleted within a day. In PostgreSQL it would pass through the WAL
// (and every replica and backup) and leave table bloat behind after each deletion; on disk it is
// appended page by page and streamed to the client. With several instances on one database,
// BULK_DIR must be storage they share (the worker of one instance writes files that another
// instance may serve).
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Job ids are base64url (not FHIR ids: '_' but no '.'); file names are Type-attempt-n.ndjson. Nothing else reaches the disk. */
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class ExportFiles {
  constructor(readonly root: string) {}

  jobDir(jobId: string): string {
    if (!JOB_ID.test(jobId)) throw new Error('bad job id');
    return path.join(this.root, jobId);
  }

  filePath(jobId: string, file: string): string {
    if (!SAFE_NAME.test(file)) throw new Error('bad file name');
    return path.join(this.jobDir(jobId), file);
  }

  /** A new file of this job, truncated if an earlier attempt left one of the same name. */
  async create(jobId: string, file: string): Promise<FileHandle> {
    await mkdir(this.jobDir(jobId), { recursive: true });
    return open(this.filePath(jobId, file), 'w');
  }

  async remove(jobId: string, file: string): Promise<void> {
    await rm(this.filePath(jobId, file), { force: true });
  }

  /** Removes the job's directory. A download in progress keeps reading its open file (POSIX). */
  async removeJob(jobId: string): Promise<void> {
    await rm(this.jobDir(jobId), { recursive: true, force: true });
  }

  /** A stream of the file, or undefined when it is gone. */
  async read(jobId: string, file: string): Promise<{ stream: ReadStream; size: number } | undefined> {
    const full = this.filePath(jobId, file);
    try {
      const info = await stat(full);
      return { stream: createReadStream(full), size: info.size };
    } catch {
      return undefined;
    }
  }
}
