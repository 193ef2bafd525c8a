// `haven audit verify`: walks every chain of the audit log from its start (or from the anchor
// retention left) to its head and names the first row that was altered, removed or inserted out
// of order. Each row's hash is recomputed here, in Node, over the bytes the database hashed.
import { createHash } from 'node:crypto';
import { chainAnchors, chainHeads, chainRows, type ChainHead, type ChainPoint, type ChainRow } from '../store/audit-chain.js';
import type { Queryable } from '../store/db.js';

export type ChainProblem = 'altered' | 'removed' | 'out-of-order';

export interface ChainFailure {
  problem: ChainProblem;
  chain: number;
  /** Position in the chain of the row named (or of the first missing one). */
  seq: number;
  /** The AuditEvent id of the row named, when the row exists. */
  id?: string;
  recorded?: string;
  message: string;
}

export interface VerifyReport {
  /** Rows checked before the end or the first failure. */
  rows: number;
  chains: number;
  /** Chains that start from a retention anchor rather than their genesis. */
  anchored: number;
  failure?: ChainFailure;
}

/** The hash a chain starts from (the same text as in the migration). */
export function genesisHash(chain: number): Buffer {
  return createHash('sha256').update(`haven audit chain ${chain}`, 'utf8').digest();
}

export async function verifyAuditChains(q: Queryable, options: { pageSize?: number } = {}): Promise<VerifyReport> {
  const heads = new Map((await chainHeads(q)).map((h) => [h.chain, h]));
  const anchors = new Map((await chainAnchors(q)).map((a) => [a.chain, a]));
  const report: VerifyReport = { rows: 0, chains: heads.size, anchored: anchors.size };
  let walk: ChainWalk | undefined;
  const seen = new Set<number>();
  const fail = (failure: ChainFailure) => ({ ...report, failure });

  for await (const page of chainRows(q, options.pageSize)) {
    for (const row of page) {
      if (walk?.chain !== row.chain) {
        if (walk) {
          const failure = walk.finish(heads.get(walk.chain));
          if (failure) return fail(failure);
        }
        if (!heads.has(row.chain)) return fail(problem('out-of-order', row, `is in chain ${row.chain}, which does not exist`));
        walk = new ChainWalk(row.chain, anchors.get(row.chain));
        seen.add(row.chain);
      }
      const failure = walk.next(row);
      if (failure) return fail(failure);
      report.rows++;
    }
  }
  if (walk) {
    const failure = walk.finish(heads.get(walk.chain));
    if (failure) return fail(failure);
  }
  // Chains without a single row left: their head must still be where they started.
  for (const head of heads.values()) {
    if (seen.has(head.chain)) continue;
    const failure = new ChainWalk(head.chain, anchors.get(head.chain)).finish(head);
    if (failure) return fail(failure);
  }
  return report;
}

/** The state of one chain while its rows go by in order. */
class ChainWalk {
  private expectedSeq: number;
  private prevHash: Buffer;
  private lastRecorded = '';

  constructor(
    readonly chain: number,
    anchor: ChainPoint | undefined,
  ) {
    this.expectedSeq = anchor ? anchor.seq + 1 : 1;
    this.prevHash = anchor ? Buffer.from(anchor.hash) : genesisHash(chain);
  }

  next(row: ChainRow): ChainFailure | undefined {
    if (row.seq > this.expectedSeq) {
      const missing = row.seq - 1 === this.expectedSeq ? `position ${this.expectedSeq} is` : `positions ${this.expectedSeq} to ${row.seq - 1} are`;
      return { ...problem('removed', row, `follows a gap: ${missing} missing`), seq: this.expectedSeq };
    }
    if (row.seq < this.expectedSeq) return problem('out-of-order', row, `repeats position ${row.seq}, which an earlier row holds`);
    const computed = createHash('sha256').update(Buffer.from(row.prevHash)).update(Buffer.from(row.canonical)).digest();
    if (!computed.equals(Buffer.from(row.hash))) return problem('altered', row, 'was altered: its content does not match its hash');
    if (!this.prevHash.equals(Buffer.from(row.prevHash))) {
      return problem('out-of-order', row, `does not link to the row before it (position ${row.seq - 1} was altered, or this row inserted out of order)`);
    }
    if (row.recorded < this.lastRecorded) return problem('out-of-order', row, `is recorded before the row preceding it (${this.lastRecorded})`);
    this.expectedSeq = row.seq + 1;
    this.prevHash = Buffer.from(row.hash);
    this.lastRecorded = row.recorded;
    return undefined;
  }

  /** The chain's last row must be the one its head names. */
  finish(head: ChainHead | undefined): ChainFailure | undefined {
    if (!head) return undefined;
    const last = this.expectedSeq - 1;
    const at = { chain: this.chain, seq: last + 1 };
    if (head.seq > last) {
      const missing = head.seq === last + 1 ? `position ${head.seq} is` : `positions ${last + 1} to ${head.seq} are`;
      return { problem: 'removed', ...at, message: `Chain ${this.chain} ends early: its last ${missing} missing (the head is at ${head.seq})` };
    }
    if (head.seq < last) {
      return { problem: 'out-of-order', ...at, seq: head.seq + 1, message: `Chain ${this.chain} has rows past its head (position ${head.seq})` };
    }
    if (!this.prevHash.equals(Buffer.from(head.hash))) {
      return {
        problem: 'altered',
        chain: this.chain,
        seq: last,
        message: `Chain ${this.chain}: its last row (position ${last}) does not match the head's hash`,
      };
    }
    return undefined;
  }
}

function problem(kind: ChainProblem, row: ChainRow, what: string): ChainFailure {
  return {
    problem: kind,
    chain: row.chain,
    seq: row.seq,
    id: row.id,
    recorded: row.recorded,
    message: `AuditEvent/${row.id} (chain ${row.chain}, position ${row.seq}, recorded ${row.recorded}) ${what}`,
  };
}
