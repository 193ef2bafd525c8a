// Shared pieces of the Subscription delivery tests: an app whose endpoints may be the local
// receiver, a delivery worker stopped at the end of the test, and resources to write.
import { testApp, type TestApp } from '../helpers/app.js';
import { SubscriptionWorker } from '../../src/subscriptions/worker.js';
import { startReceiver, type Receiver } from './receiver.js';

interface TestLike {
  teardown(fn: () => unknown): void;
}

export interface Kit {
  app: TestApp;
  receiver: Receiver;
  worker: SubscriptionWorker;
}

/** Fast retries and few attempts, so that back-off and `error` show within a test. */
export const FAST = { SUBSCRIPTION_RETRY_MS: '20', SUBSCRIPTION_POLL_MS: '20', SUBSCRIPTION_MAX_ATTEMPTS: '4', SUBSCRIPTION_TIMEOUT_MS: '3000' };

export async function deliveryKit(t: TestLike, env: Record<string, string> = {}, options: { startWorker?: boolean } = {}): Promise<Kit> {
  const receiver = await startReceiver(t);
  const app = await testApp(t, { SUBSCRIPTION_ORIGINS: receiver.origin, ...FAST, ...env });
  const worker = new SubscriptionWorker(app.services);
  if (options.startWorker !== false) worker.start();
  t.teardown(() => worker.stop());
  return { app, receiver, worker };
}

export function restHook(receiver: Receiver, criteria: string, channel: Record<string, unknown> = {}) {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'test',
    criteria,
    channel: { type: 'rest-hook', endpoint: receiver.url(), payload: 'application/fhir+json', ...channel },
  };
}

export function observation(patient: string, value = 120) {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
    subject: { reference: `Patient/${patient}` },
    valueQuantity: { value, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  };
}

/** Outbox rows of a Subscription, in order. */
export async function outbox(app: TestApp, subscriptionId: string) {
  const { rows } = await app.db.query<{ resource_id: string; version_id: number; state: string; attempts: number; last_error: string | null }>(
    'SELECT resource_id, version_id, state, attempts, last_error FROM subscription_outbox WHERE subscription_id = $1 ORDER BY seq',
    [subscriptionId],
  );
  return rows;
}
