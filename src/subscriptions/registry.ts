// The subscription table: Haven's working copy of each accepted Subscription (criteria, owner,
// channel), read by the matcher at every write and by the delivery worker. The Subscription
// resource remains what clients read; the two are written in the same transaction.
import type { Queryable } from '../store/db.js';
import {
  activeSubscriptionRows,
  findSubscriptionRow,
  saveSubscriptionRow,
  type RegistryStatus,
  type SubscriptionRow,
} from '../store/subscriptions/registry.js';
import { storedCriteria, type SubscriptionCriteria } from './criteria.js';
import type { Owner } from './owner.js';
import { topicOf, type PayloadContent, type Topic } from './topics.js';

export { removeSubscription, setRegistryStatus, type RegistryStatus } from '../store/subscriptions/registry.js';

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

export async function saveSubscription(q: Queryable, s: RegisteredSubscription): Promise<void> {
  await saveSubscriptionRow(q, {
    id: s.id,
    resource_type: s.criteria.resourceType,
    criteria: s.criteria.query,
    owner: s.owner,
    endpoint: s.endpoint,
    payload: s.payload ?? null,
    headers: s.headers,
    status: s.status,
    topic: s.topic?.url ?? null,
    content: s.content ?? null,
  });
}

export async function findSubscription(q: Queryable, id: string): Promise<RegisteredSubscription | undefined> {
  const row = await findSubscriptionRow<Owner>(q, id);
  return row && fromRow(row);
}

/** The active Subscriptions whose criteria search `resourceType`: one indexed lookup per write. */
export async function activeSubscriptions(q: Queryable, resourceType: string): Promise<RegisteredSubscription[]> {
  return (await activeSubscriptionRows<Owner>(q, resourceType)).map(fromRow);
}

function fromRow(row: SubscriptionRow<Owner>): RegisteredSubscription {
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
