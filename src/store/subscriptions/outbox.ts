// The notification outbox: rows written in the transaction of the change that matched (so a
// rollback takes them away and a commit keeps them across restarts), claimed by delivery workers.
// A claim takes the head of each active Subscription's queue only, under FOR UPDATE SKIP LOCKED and a
// lease: one worker on one instance sends it, and the next notification of that Subscription waits
// until it is done, which keeps their order.
import type { Database, Queryable } from '../db.js';
import type { StoredVersion } from '../version.js';

/** What a notification carries (the subscription table's `content` column). */
export type PayloadContent = 'empty' | 'id-only' | 'full-resource';

/** A claimed notification; `O` is the owner as subscriptions/ stored it (JSON). */
export interface ClaimedNotification<O = unknown> {
  seq: string;
  subscriptionId: string;
  resourceType: string;
  resourceId: string;
  versionId: number;
  /** Attempts including this one. */
  attempts: number;
  eventNumber: number;
  /** When the event was queued (its commit, near enough). */
  eventTime: string;
  topic?: string;
  content?: PayloadContent;
  /** The Subscription's events so far. */
  events: number;
  endpoint: string;
  payload?: string;
  headers: string[];
  owner: O;
}

/**
 * Queues a notification of `version` for each Subscription, in the writing transaction, numbering
 * it among the Subscription's events. The Subscriptions' transaction advisory locks (taken in id
 * order) make concurrent writers that match the same Subscription commit one after the other, so
 * `seq` and event-number order is commit order.
 */
export async function enqueue(q: Queryable, subscriptionIds: readonly string[], version: StoredVersion): Promise<void> {
  if (!subscriptionIds.length) return;
  const ids = [...subscriptionIds].sort();
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('subscription:' || s, 0)) FROM unnest($1::text[]) AS s`, [ids]);
  await q.query(
    `WITH counted AS (UPDATE subscription SET events = events + 1 WHERE id = ANY($1::text[]) RETURNING id, events)
     INSERT INTO subscription_outbox (subscription_id, resource_type, resource_id, version_id, event_number)
     SELECT id, $2, $3, $4, events FROM counted ORDER BY id`,
    [ids, version.resourceType, version.id, version.versionId],
  );
}

interface ClaimRow<O> {
  seq: string;
  subscription_id: string;
  resource_type: string;
  resource_id: string;
  version_id: number;
  attempts: number;
  event_number: string;
  event_time: Date;
  topic: string | null;
  content: PayloadContent | null;
  events: string;
  endpoint: string;
  payload: string | null;
  headers: string[];
  owner: O;
}

/** Claims up to `limit` notifications, at most one per Subscription, leased for `leaseMs`. */
export async function claim<O>(db: Database, limit: number, leaseMs: number): Promise<Array<ClaimedNotification<O>>> {
  const { rows } = await db.query<ClaimRow<O>>(
    `WITH heads AS (
       SELECT DISTINCT ON (o.subscription_id) o.seq FROM subscription_outbox o
         JOIN subscription s ON s.id = o.subscription_id AND s.status = 'active'
        WHERE o.state = 'pending' ORDER BY o.subscription_id, o.seq),
     due AS (
       SELECT o.seq FROM subscription_outbox o JOIN heads h ON h.seq = o.seq
        WHERE o.next_attempt_at <= now() AND (o.lease_until IS NULL OR o.lease_until < now())
        ORDER BY o.seq LIMIT $1 FOR UPDATE OF o SKIP LOCKED),
     claimed AS (
       UPDATE subscription_outbox o SET attempts = o.attempts + 1, lease_until = now() + make_interval(secs => $2::double precision / 1000)
         FROM due WHERE o.seq = due.seq
       RETURNING o.seq, o.subscription_id, o.resource_type, o.resource_id, o.version_id, o.attempts, o.event_number, o.created_at)
     SELECT c.seq::text AS seq, c.subscription_id, c.resource_type, c.resource_id, c.version_id, c.attempts, c.event_number::text AS event_number,
            c.created_at AS event_time, s.topic, s.content, s.events::text AS events, s.endpoint, s.payload, s.headers, s.owner
       FROM claimed c JOIN subscription s ON s.id = c.subscription_id ORDER BY c.seq`,
    [limit, leaseMs],
  );
  return rows.map((r) => ({
    seq: r.seq,
    subscriptionId: r.subscription_id,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    versionId: r.version_id,
    attempts: r.attempts,
    eventNumber: Number(r.event_number),
    eventTime: new Date(r.event_time).toISOString(),
    ...(r.topic !== null ? { topic: r.topic } : {}),
    ...(r.content !== null ? { content: r.content } : {}),
    events: Number(r.events),
    endpoint: r.endpoint,
    ...(r.payload !== null ? { payload: r.payload } : {}),
    headers: r.headers,
    owner: r.owner,
  }));
}

/** Sent (2xx) or no longer the owner's to see: the next of its Subscription becomes the head. */
export async function finish(q: Queryable, seq: string, state: 'delivered' | 'dropped', note?: string): Promise<void> {
  await q.query(`UPDATE subscription_outbox SET state = $2, done_at = now(), lease_until = NULL, last_error = $3 WHERE seq = $1::bigint`, [
    seq,
    state,
    note ?? null,
  ]);
}

/** A failed attempt: retried at `retryInMs` from now; it stays the head, so order is kept. */
export async function retryLater(q: Queryable, seq: string, error: string, retryInMs: number): Promise<void> {
  await q.query(
    `UPDATE subscription_outbox SET last_error = $2, lease_until = NULL, next_attempt_at = now() + make_interval(secs => $3::double precision / 1000) WHERE seq = $1::bigint`,
    [seq, error.slice(0, 500), retryInMs],
  );
}

export interface QueuedEvent {
  eventNumber: number;
  timestamp: string;
  resourceType: string;
  resourceId: string;
  versionId: number;
}

/** A Subscription's events numbered `since` to `until` (inclusive), oldest first ($events). */
export async function eventsBetween(q: Queryable, subscriptionId: string, since: number, until: number, limit: number): Promise<QueuedEvent[]> {
  const { rows } = await q.query<{ event_number: string; created_at: Date; resource_type: string; resource_id: string; version_id: number }>(
    `SELECT event_number::text AS event_number, created_at, resource_type, resource_id, version_id FROM subscription_outbox
      WHERE subscription_id = $1 AND event_number BETWEEN $2 AND $3 ORDER BY event_number LIMIT $4`,
    [subscriptionId, since, until, limit],
  );
  return rows.map((r) => ({
    eventNumber: Number(r.event_number),
    timestamp: new Date(r.created_at).toISOString(),
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    versionId: r.version_id,
  }));
}
