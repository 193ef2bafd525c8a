// What verification of the audit chains reads: each chain's head, the anchors retention left, and
// the rows in chain order with the exact bytes their hash covers (computed by the same SQL
// function the chaining trigger uses).
import type { Queryable } from './db.js';

export interface ChainPoint {
  chain: number;
  seq: number;
  hash: Uint8Array;
}

export interface ChainHead extends ChainPoint {
  /** ISO instant of the chain's last row. */
  recorded: string;
}

export interface ChainRow extends ChainHead {
  id: string;
  prevHash: Uint8Array;
  /** The bytes hashed after the previous row's hash. */
  canonical: Uint8Array;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export async function chainHeads(q: Queryable): Promise<ChainHead[]> {
  const { rows } = await q.query<{ chain: number; seq: number; hash: Uint8Array; recorded: string }>(
    `SELECT chain, seq, hash, CASE WHEN recorded = '-infinity' THEN '' ELSE to_char(recorded AT TIME ZONE 'UTC', ${ISO}) END AS recorded
      FROM audit_chain ORDER BY chain`,
  );
  return rows;
}

/** The latest anchor of each chain that retention has cut. */
export async function chainAnchors(q: Queryable): Promise<ChainPoint[]> {
  const { rows } = await q.query<ChainPoint>('SELECT DISTINCT ON (chain) chain, seq, hash FROM audit_anchor ORDER BY chain, seq DESC');
  return rows;
}

/** Rows in (chain, seq) order, a page at a time; rows sharing a position are all returned. */
export async function* chainRows(q: Queryable, pageSize = 5000): AsyncGenerator<ChainRow[]> {
  const select = (where: string) =>
    `SELECT a.chain, a.seq, a.id::text AS id, to_char(a.recorded AT TIME ZONE 'UTC', ${ISO}) AS recorded, a.prev_hash, a.hash,
        audit_canonical(a.id, a.chain, a.seq, a.recorded, a.action, a.interaction, a.outcome, a.outcome_desc, a.request_id,
          a.client_id, a.subject, a.fhir_user, a.launch_patient, a.source_address, a.entity_type, a.entity_id,
          a.entity_version, a.query, a.result_count, a.entity_refs, a.compartments) AS canonical
      FROM audit_log a ${where}`;
  type Row = ChainPosition & { recorded: string; prev_hash: Uint8Array; hash: Uint8Array; canonical: Uint8Array };
  for await (const rows of inChainOrder<Row>(q, 'a', select, pageSize)) {
    yield rows.map((r) => ({ chain: r.chain, seq: r.seq, id: r.id, recorded: r.recorded, prevHash: r.prev_hash, hash: r.hash, canonical: r.canonical }));
  }
}

export interface ChainPosition {
  chain: number;
  seq: number;
  /** The row's id as text; it orders rows that share a position (which only tampering makes). */
  id: string;
}

/**
 * Pages of audit rows in (chain, seq, id) order, by keyset. `select(where)` is the SELECT of rows
 * aliased `alias`, with columns chain, seq and id (as text), taking a WHERE clause; LIMIT is $1.
 */
export async function* inChainOrder<R extends ChainPosition>(
  q: Queryable,
  alias: string,
  select: (where: string) => string,
  pageSize: number,
): AsyncGenerator<R[]> {
  let after: ChainPosition | undefined;
  for (;;) {
    const params: unknown[] = [pageSize];
    let where = '';
    if (after) {
      params.push(after.chain, after.seq, after.id);
      where = `WHERE (${alias}.chain, ${alias}.seq, ${alias}.id) > ($2, $3, $4::uuid)`;
    }
    const { rows } = await q.query<R>(`${select(where)} ORDER BY ${alias}.chain, ${alias}.seq, ${alias}.id LIMIT $1`, params);
    if (!rows.length) return;
    yield rows;
    const last = rows[rows.length - 1];
    after = { chain: last.chain, seq: last.seq, id: last.id };
  }
}
