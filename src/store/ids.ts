// Server-assigned resource ids: UUIDv7 (RFC 9562), a valid FHIR id like any UUID, but time-ordered.
// The keys of `resource (resource_type, id)` and of the history and index tables are B-trees: random
// UUIDs land on a random leaf each, so every create dirties (and, after a checkpoint, writes a
// full-page image of) a different page; ids of the same millisecond upward land on the same
// right-hand leaves (issue 14: creates are WAL- and index-bound).
import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Random bytes are drawn in blocks (one system call per 256 ids instead of one per id). */
const POOL = Buffer.alloc(16 * 256);
let offset = POOL.length;

/** A new UUIDv7: 48 bits of Unix milliseconds, the version, 74 random bits and the variant. */
export function newResourceId(now = Date.now()): string {
  if (offset + 10 > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const bytes = new Uint8Array(16);
  // 48-bit big-endian timestamp (2 ** 48 ms lasts until the year 10889).
  const high = Math.floor(now / 2 ** 16);
  bytes[0] = (high >>> 24) & 0xff;
  bytes[1] = (high >>> 16) & 0xff;
  bytes[2] = (high >>> 8) & 0xff;
  bytes[3] = high & 0xff;
  bytes[4] = (now >>> 8) & 0xff;
  bytes[5] = now & 0xff;
  for (let i = 6; i < 16; i++) bytes[i] = POOL[offset++];
  bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10
  let out = '';
  for (let i = 0; i < 16; i++) {
    out += HEX[bytes[i]];
    if (i === 3 || i === 5 || i === 7 || i === 9) out += '-';
  }
  return out;
}
