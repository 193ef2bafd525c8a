// The audit log's daily upkeep, run once across all instances (advisory lock): partitions for the
// coming months, and retention: each monthly partition older than AUDIT_RETENTION_MONTHS is
// detached, exported to NDJSON (written in full and synced before anything is removed), then
// dropped together with the anchors that keep `haven audit verify` working.
import { once } from 'node:events';
import { createWriteStream, mkdirSync, openSync, fsyncSync, closeSync, renameSync } from 'node:fs';
import path from 'node:path';
import { detachAuditPartition, ensureAuditPartitions, exportPartitionRows, listAuditPartitions, removeAuditPartition } from '../store/audit-partitions.js';
import type { Database } from '../store/db.js';
import { withExclusiveJob } from '../store/locks.js';

export const AUDIT_MAINTENANCE_JOB = 'haven:audit-maintenance';

export interface AuditMaintenanceOptions {
  now: Date;
  retentionMonths: number;
  exportDir: string;
  /** Stops between partitions (shutdown); what is left is done by the next run. */
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface RemovedPartition {
  partition: string;
  file: string;
  rows: number;
}

export interface AuditMaintenanceReport {
  /** True when another instance held the job's lock: nothing was done here. */
  skipped: boolean;
  removed: RemovedPartition[];
}

export async function runAuditMaintenance(db: Database, options: AuditMaintenanceOptions): Promise<AuditMaintenanceReport> {
  const result = await withExclusiveJob(db, AUDIT_MAINTENANCE_JOB, async (session) => {
    await ensureAuditPartitions(session, options.now);
    const cutoff = monthKey(options.now, -options.retentionMonths);
    const removed: RemovedPartition[] = [];
    for (const partition of await listAuditPartitions(session)) {
      if (partition.month >= cutoff || options.signal?.aborted) continue;
      if (partition.attached) await detachAuditPartition(session, partition.name);
      const file = await exportPartition(session, partition.name, options.exportDir);
      const rows = await removeAuditPartition(session, partition.name, file);
      options.log?.(`audit partition ${partition.name} (${rows} rows) exported to ${file} and removed`);
      removed.push({ partition: partition.name, file, rows });
    }
    return removed;
  });
  return result === undefined ? { skipped: true, removed: [] } : { skipped: false, removed: result };
}

/** "YYYY-MM" of the month `offset` months from the month of `date` (UTC). */
function monthKey(date: Date, offset: number): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Writes `<name>.ndjson` in full, synced to disk, and returns its path. */
async function exportPartition(db: Database, name: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.ndjson`);
  const partial = `${file}.partial`;
  const out = createWriteStream(partial, { flags: 'w' });
  const closed = once(out, 'close');
  try {
    for await (const lines of exportPartitionRows(db, name)) {
      if (!out.write(lines.join('\n') + '\n')) await once(out, 'drain');
    }
  } finally {
    out.end();
    await closed;
  }
  syncPath(partial);
  renameSync(partial, file);
  syncPath(dir);
  return file;
}

function syncPath(target: string): void {
  const fd = openSync(target, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
