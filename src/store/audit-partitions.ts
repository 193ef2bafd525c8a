// The audit log's monthly partitions: created ahead of time, and at the end of retention detached,
// read out for export, and removed together with the anchors that let verification go on.
import { inChainOrder, type ChainPosition } from './audit-chain.js';
import { identifier, type Database, type Queryable } from './db.js';

export interface AuditPartition {
  name: string;
  /** "YYYY-MM" (UTC). */
  month: string;
  /** False for a partition detached by a retention run that did not finish. */
  attached: boolean;
}

const PARTITION_NAME = /^audit_log_(\d{4})_(\d{2})$/;

/** Makes sure the partitions of the month of `now` and the `monthsAhead` following ones exist. */
export async function ensureAuditPartitions(q: Queryable, now: Date, monthsAhead = 2): Promise<void> {
  await q.query('SELECT audit_ensure_partition($1::timestamptz + make_interval(months => m)) FROM generate_series(0, $2::integer) AS m', [
    now.toISOString(),
    monthsAhead,
  ]);
}

/** Every monthly audit table, attached or left detached, oldest first. */
export async function listAuditPartitions(q: Queryable): Promise<AuditPartition[]> {
  const { rows } = await q.query<{ name: string; attached: boolean }>(
    `SELECT c.relname AS name,
        EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid AND i.inhparent = 'audit_log'::regclass) AS attached
      FROM pg_class c
      WHERE c.relkind = 'r' AND c.relname ~ '^audit_log_[0-9]{4}_[0-9]{2}$' AND pg_table_is_visible(c.oid)
      ORDER BY c.relname`,
  );
  return rows.map((r) => {
    const [, year, month] = PARTITION_NAME.exec(r.name) as RegExpExecArray;
    return { name: r.name, month: `${year}-${month}`, attached: r.attached };
  });
}

/** Takes a partition out of the log: its rows leave the AuditEvent view and verification. */
export async function detachAuditPartition(q: Queryable, name: string): Promise<void> {
  await q.query(`ALTER TABLE audit_log DETACH PARTITION ${partitionIdentifier(name)}`);
}

/**
 * The rows of a detached partition as JSON lines (every column, hashes in hex), in chain order,
 * a page at a time.
 */
export async function* exportPartitionRows(q: Queryable, name: string, pageSize = 5000): AsyncGenerator<string[]> {
  const select = (where: string) => `SELECT row_to_json(p)::text AS line, p.chain, p.seq, p.id::text AS id FROM ${partitionIdentifier(name)} p ${where}`;
  for await (const rows of inChainOrder<ChainPosition & { line: string }>(q, 'p', select, pageSize)) yield rows.map((r) => r.line);
}

/**
 * Removes a detached partition, recording for each chain it held the position and hash of its last
 * row there: verification continues from that anchor. One transaction: no anchor without removal.
 */
export async function removeAuditPartition(db: Database, name: string, exportFile: string): Promise<number> {
  return db.transaction(async (tx) => {
    const table = partitionIdentifier(name);
    const { rows } = await tx.query<{ rows: number }>(`SELECT count(*)::integer AS rows FROM ${table}`);
    await tx.query(
      `INSERT INTO audit_anchor (chain, seq, hash, partition, export_file)
        SELECT DISTINCT ON (chain) chain, seq, hash, $1, $2 FROM ${table} ORDER BY chain, seq DESC
        ON CONFLICT (chain, seq) DO NOTHING`,
      [name, exportFile],
    );
    await tx.query(`DROP TABLE ${table}`);
    return rows[0].rows;
  });
}

function partitionIdentifier(name: string): string {
  if (!PARTITION_NAME.test(name)) throw new Error(`Not an audit partition: ${name}`);
  return identifier(name);
}
