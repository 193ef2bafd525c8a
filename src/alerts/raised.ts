// The alerts a transaction raised or escalated, so that the app-records answer can list the Flags
// its write raised (as the assessment answer does). Keyed by the transaction's connection: every
// ResourceStore of one transaction (s.as(...)) shares it, and it goes when the transaction does.
import type { ResourceStore } from '../store/resources.js';

const byTransaction = new WeakMap<object, Set<string>>();

export function noteRaised(s: ResourceStore, flagReference: string): void {
  const set = byTransaction.get(s.q) ?? new Set<string>();
  set.add(flagReference);
  byTransaction.set(s.q, set);
}

/** "Flag/<id>" of every alert raised or escalated so far in the store's transaction. */
export function raisedIn(s: ResourceStore): string[] {
  return [...(byTransaction.get(s.q) ?? [])];
}
