// The subscription table: Haven's working copy of each accepted Subscription, as rows. What the
// criteria and topic mean is subscriptions/registry.ts's; here only their storage.
import type { Queryable } from '../db.js';
import type { PayloadContent } from './outbox.js';

export type RegistryStatus = 'active' | 'error' | 'off';

/** One row; `O` is the owner as subscriptions/ stores it (JSON). */
export interface SubscriptionRow<O = unknown> {
  id: string;
  resource_type: string;
  criteria: string;
  owner: O;
  endpoint: string;
  payload: string | null;
  headers: string[];
  status: RegistryStatus;
  topic: string | null;
  content: PayloadContent | null;
  events: string;
}

export async function saveSubscriptionRow(q: Queryable, s: Omit<SubscriptionRow, 'events'>): Promise<void> {
  await q.query(
    `INSERT INTO subscription (id, resource_type, criteria, owner, endpoint, payload, headers, status, topic, content)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET resource_type = EXCLUDED.resource_type, criteria = EXCLUDED.criteria, owner = EXCLUDED.owner,
       endpoint = EXCLUDED.endpoint, payload = EXCLUDED.payload, headers = EXCLUDED.headers, status = EXCLUDED.status,
       topic = EXCLUDED.topic, content = EXCLUDED.content`,
    [s.id, s.resource_type, s.criteria, JSON.stringify(s.owner), s.endpoint, s.payload, JSON.stringify(s.headers), s.status, s.topic, s.content],
  );
}

export async function findSubscriptionRow<O>(q: Queryable, id: string): Promise<SubscriptionRow<O> | undefined> {
  const { rows } = await q.query<SubscriptionRow<O>>('SELECT * FROM subscription WHERE id = $1', [id]);
  return rows[0];
}

/** A deleted Subscription stops at once; its pending notifications go with it. */
export async function removeSubscription(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM subscription WHERE id = $1', [id]);
}

/** The active Subscriptions whose criteria search `resourceType`: one indexed lookup per write. */
export async function activeSubscriptionRows<O>(q: Queryable, resourceType: string): Promise<Array<SubscriptionRow<O>>> {
  const { rows } = await q.query<SubscriptionRow<O>>(`SELECT * FROM subscription WHERE resource_type = $1 AND status = 'active' ORDER BY id`, [resourceType], {
    prepare: true,
  });
  return rows;
}

export async function setRegistryStatus(q: Queryable, id: string, status: RegistryStatus): Promise<void> {
  await q.query('UPDATE subscription SET status = $2 WHERE id = $1', [id, status]);
}
