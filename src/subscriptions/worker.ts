// The delivery worker a running server starts (and stops on shutdown): claims due notifications from
// the outbox, reads each version as the Subscription's owner (so the read is audited in their name,
// and a version they may no longer see is dropped, not sent), POSTs it, and records the outcome:
// delivered, retried later with back-off, or, after SUBSCRIPTION_MAX_ATTEMPTS failed attempts, the
// Subscription turns `error` with the reason in Subscription.error. State lives only in the
// database, so a restart loses nothing and several instances share the work.
import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { Services } from '../runtime.js';
import { ALL_ACCESS, type StoreContext } from '../store/context.js';
import { deliver, retryDelay } from './delivery.js';
import { notificationBundle, subscriptionStatus } from './notification.js';
import { claim, finish, retryLater, type ClaimedNotification } from '../store/subscriptions/outbox.js';
import { ownerAccess, ownerActor, type Owner } from './owner.js';
import { setRegistryStatus } from './registry.js';

export interface WorkerLog {
  info(obj: object, message: string): void;
  error(obj: object, message: string): void;
}

/** Notifications claimed per round: one per Subscription, sent concurrently. */
const BATCH = 20;

export class SubscriptionWorker {
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    private readonly services: Services,
    private readonly log?: WorkerLog,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops after the round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** One round: claims and delivers what is due; the number of notifications handled. */
  async runOnce(): Promise<number> {
    const { config, db } = this.services;
    const claimed = await claim<Owner>(db, BATCH, config.subscriptions.timeoutMs * 2 + 5000);
    await Promise.all(claimed.map((n) => this.handle(n)));
    return claimed.length;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let handled = 0;
      try {
        handled = await this.runOnce();
      } catch (error) {
        this.log?.error({ err: error }, 'subscription delivery round failed');
      }
      if (!handled && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.services.config.subscriptions.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  private async handle(n: ClaimedNotification<Owner>): Promise<void> {
    const { config, db, store, auth } = this.services;
    const settings = config.subscriptions;
    const access = await ownerAccess(db, auth.authorizer, n.owner, 'vread', n.resourceType);
    if (!access) {
      await finish(db, n.seq, 'dropped', "The Subscription owner's access has ended");
      await this.markError(n.subscriptionId, "The Subscription owner's access has ended (client revoked, or its scopes no longer allow reading the resources)");
      return;
    }
    const version = await store
      .reader({ actor: ownerActor(n.owner, `subscription-delivery-${n.seq}`), access })
      .vread(n.resourceType, n.resourceId, n.versionId);
    if (!version?.json) {
      await finish(db, n.seq, 'dropped', 'The version is no longer visible to the Subscription owner');
      return;
    }
    const body = n.topic ? this.notification(n, version.json) : n.payload ? version.json : undefined;
    const result = await deliver({
      endpoint: n.endpoint,
      headers: n.headers,
      ...(body !== undefined ? { body, contentType: n.payload ?? 'application/fhir+json' } : {}),
      timeoutMs: settings.timeoutMs,
      origins: settings.origins,
    });
    if (result.ok) {
      await finish(db, n.seq, 'delivered');
      this.log?.info({ subscription: n.subscriptionId, seq: n.seq, status: result.status }, 'subscription notification delivered');
      return;
    }
    await retryLater(db, n.seq, result.error, retryDelay(settings.retryMs, n.attempts));
    this.log?.info({ subscription: n.subscriptionId, seq: n.seq, attempts: n.attempts, error: result.error }, 'subscription notification failed');
    if (n.attempts >= settings.maxAttempts) await this.markError(n.subscriptionId, `Delivery failed ${n.attempts} times; last: ${result.error}`);
  }

  /** A topic-based (Backport IG) event notification Bundle, with the focus as its content allows. */
  private notification(n: ClaimedNotification<Owner>, json: string): string {
    const { fhirBaseUrl } = this.services.config;
    const content = n.content ?? 'id-only';
    const status = subscriptionStatus({
      fhirBaseUrl,
      subscriptionId: n.subscriptionId,
      topic: n.topic as string,
      status: 'active',
      type: 'event-notification',
      eventsSinceStart: n.eventNumber,
      events: [{ eventNumber: n.eventNumber, timestamp: n.eventTime, ...(content !== 'empty' ? { focus: `${n.resourceType}/${n.resourceId}` } : {}) }],
    });
    return JSON.stringify(notificationBundle(status, fhirBaseUrl, content === 'full-resource' ? [JSON.parse(json) as Resource] : []));
  }

  /** The Subscription turns `error` (resource and registry row, one transaction); delivery pauses. */
  private async markError(id: string, reason: string): Promise<void> {
    const ctx: StoreContext = { actor: { requestId: 'subscription-worker' }, access: ALL_ACCESS };
    await this.services.store.transaction(ctx, async (s) => {
      await setRegistryStatus(s.q, id, 'error');
      const current = await s.readForUpdate('Subscription', id);
      if (!current?.json) return;
      const subscription = JSON.parse(current.json) as Subscription;
      if (subscription.status === 'error' && subscription.error === reason) return;
      await s.update('Subscription', id, { ...subscription, status: 'error', error: reason });
    });
    this.log?.error({ subscription: id, reason }, 'subscription turned error');
  }
}
