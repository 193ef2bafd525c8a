// Password hashing: scrypt from node:crypto with OWASP's minimum cost (N=2^17, r=8, p=1, 128 MiB),
// a 16-byte salt and a 32-byte key, stored as scrypt$17$8$1$<salt>$<key> (base64url). Each hash
// holds a libuv thread and 128 MiB for a few hundred milliseconds: at most MAX_CONCURRENT run at
// once, the others wait their turn, so a burst of sign-ins cannot exhaust the server's memory.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

interface Cost {
  log2N: number;
  r: number;
  p: number;
}

export const CURRENT_COST: Cost = { log2N: 17, r: 8, p: 1 };
/** The cost new hashes get: CURRENT_COST, unless a test process lowered it (usePasswordCost). */
let newHashCost: Cost = CURRENT_COST;

/**
 * For tests only (test/helpers/app.ts): hash at a lower cost, so that the suite's hundred-odd
 * hashes do not each hold 128 MiB and half a second of a core. Nothing in src/ calls it, and the
 * CLI and server processes that tests start keep CURRENT_COST.
 */
export function usePasswordCost(next: Cost): void {
  newHashCost = next;
}
const KEY_LENGTH = 32;
const MAX_CONCURRENT = 4;

let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function derive(password: string, salt: Buffer, cost: Cost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  // Node's default maxmem (32 MiB) is below 128 * N * r for N=2^17: allow twice what is needed.
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 2 * 128 * N * cost.r + 1024 * 1024 };
  return limited(
    () =>
      new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)))),
  );
}

export async function hashPassword(password: string, withCost: Cost = newHashCost): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, withCost);
  return ['scrypt', withCost.log2N, withCost.r, withCost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A hash nobody's password matches: verified against when the username is unknown (same time). */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  // A failed attempt is not kept: the next sign-in of an unknown name tries again.
  return (dummyHash ??= hashPassword(randomBytes(16).toString('hex')).catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  }));
}

export interface Verification {
  ok: boolean;
  /** The stored hash uses weaker parameters than CURRENT_COST: store a new hash now. */
  needsRehash: boolean;
}

export async function verifyPassword(password: string, stored: string): Promise<Verification> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return { ok: false, needsRehash: false };
  const cost = { log2N: Number(parts[1]), r: Number(parts[2]), p: Number(parts[3]) };
  if (![cost.log2N, cost.r, cost.p].every((n) => Number.isInteger(n) && n > 0) || cost.log2N > 22) return { ok: false, needsRehash: false };
  const expected = Buffer.from(parts[5], 'base64url');
  const key = await derive(password, Buffer.from(parts[4], 'base64url'), cost);
  const ok = key.length === expected.length && timingSafeEqual(key, expected);
  const weaker = cost.log2N < newHashCost.log2N || cost.r < newHashCost.r || cost.p < newHashCost.p;
  return { ok, needsRehash: ok && weaker };
}
