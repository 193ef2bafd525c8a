// The subscription table: Haven's working copy of each accepted Subscription (criteria, owner,
// channel), read by the matcher at every write and by the delivery worker. The Subscription
// resource remains what clients read; the two are written in the same transaction.
import type { Queryable } from '../store/db.js';
import { storedCriteria, type SubscriptionCriteria } from './criteria.js';
import type { Owner } from './owner.js';
import { topicOf, type PayloadContent, type Topic } from './topics.js';

export type RegistryStatus = 'active' | 'error' | 'off';

export interface RegisteredSubscription {
  id: string;
  criteria: SubscriptionCriteria;
  owner: Owner;
  endpoint: string;
  payload?: string;
  headers: string[];
  status: RegistryStatus;
  topic?: Topic;
  content?: PayloadContent;
  /** Events queued so far (read only). */
  events?: number;
}

interface Row {
  id: string;
  resource_type: string;
  criteria: string;
  owner: Owner;
  endpoint: string;
  payload: string | null;
  headers: string[];
  status: RegistryStatus;
  topic: string | null;
  content: PayloadContent | null;
  events: string;
}

export async function saveSubscription(q: Queryable, s: RegisteredSubscription): Promise<void> {
  await q.query(
    `INSERT INTO subscription (id, resource_type, criteria, owner, endpoint, payload, headers, status, topic, content)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET resource_type = EXCLUDED.resource_type, criteria = EXCLUDED.criteria, owner = EXCLUDED.owner,
       endpoint = EXCLUDED.endpoint, payload = EXCLUDED.payload, headers = EXCLUDED.headers, status = EXCLUDED.status,
       topic = EXCLUDED.topic, content = EXCLUDED.content`,
    [s.id, s.criteria.resourceType, s.criteria.query, JSON.stringify(s.owner), s.endpoint, s.payload ?? null, JSON.stringify(s.headers), s.status, s.topic?.url ?? null, s.content ?? null],
  );
}

export async function findSubscription(q: Queryable, id: string): Promise<RegisteredSubscription | undefined> {
  const { rows } = await q.query<Row>('SELECT * FROM subscription WHERE id = $1', [id]);
  return rows[0] && fromRow(rows[0]);
}

/** A deleted Subscription stops at once; its pending notifications go with it. */
export async function removeSubscription(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM subscription WHERE id = $1', [id]);
}

/** The active Subscriptions whose criteria search `resourceType`: one indexed lookup per write. */
export async function activeSubscriptions(q: Queryable, resourceType: string): Promise<RegisteredSubscription[]> {
  const { rows } = await q.query<Row>(`SELECT * FROM subscription WHERE resource_type = $1 AND status = 'active' ORDER BY id`, [resourceType], { prepare: true });
  return rows.map(fromRow);
}

export async function setRegistryStatus(q: Queryable, id: string, status: RegistryStatus): Promise<void> {
  await q.query('UPDATE subscription SET status = $2 WHERE id = $1', [id, status]);
}

function fromRow(row: Row): RegisteredSubscription {
  return {
    id: row.id,
    criteria: storedCriteria(row.resource_type, row.criteria),
    owner: row.owner,
    endpoint: row.endpoint,
    ...(row.payload !== null ? { payload: row.payload } : {}),
    headers: row.headers,
    status: row.status,
    ...(row.topic !== null && topicOf(row.topic) ? { topic: topicOf(row.topic) } : {}),
    ...(row.content !== null ? { content: row.content } : {}),
    events: Number(row.events),
  };
}
