// A cutover's freeze window must not lose marketplace webhooks: the marketplace
// retries a refused delivery only a few times, and events it gives up on are gone.
// While frozen the store queues each one on the `marketplace-webhooks` topic (acks
// from every in-sync replica, idempotent) and answers 202; the cutover replays the
// topic into the new system, whose event ids make the replay safe to repeat.
import { type StringProducer, stringProducer } from '../kafka/kafka-clients.ts';
import type { WebhookEvent } from './request-schemas.ts';
import type { StoreContext } from './store-context.ts';
import { StoreApiError } from './store-errors.ts';

export const MARKETPLACE_WEBHOOKS_TOPIC = 'marketplace-webhooks';

/** One queued delivery as it sits on the topic (the replay posts `event` unchanged). */
export interface QueuedWebhook {
  readonly event: WebhookEvent;
  readonly queuedAt: string;
  readonly region: string;
}

export class WebhookQueue {
  private readonly ctx: StoreContext;
  private readonly brokers: readonly string[];
  private producer: StringProducer | undefined;

  constructor(ctx: StoreContext, brokers: readonly string[]) {
    this.ctx = ctx;
    this.brokers = brokers;
  }

  /** Durably queued when it resolves; a broker that does not take it is a 503 the sender retries. */
  /** `webhook-queue-in-memory`: what this process holds and nothing will ever replay. */
  private readonly inMemory: WebhookEvent[] = [];

  async queue(event: WebhookEvent): Promise<{ eventId: string; outcome: 'queued' }> {
    if (this.ctx.defects.webhookQueueInMemory) {
      this.inMemory.push(event);
      return { eventId: event.eventId, outcome: 'queued' };
    }
    if (this.brokers.length === 0) {
      throw new StoreApiError(503, 'frozen', 'frozen for a cutover and no Kafka to queue the webhook on', {
        details: { region: this.ctx.region },
      });
    }
    this.producer ??= stringProducer(this.brokers, `peakdrill-store-${this.ctx.region}-webhook-queue`, {
      idempotent: true,
      retries: 5,
      retryDelayMs: 200,
    });
    const queued: QueuedWebhook = { event, queuedAt: new Date().toISOString(), region: this.ctx.region };
    try {
      await this.producer.send({
        messages: [{ topic: MARKETPLACE_WEBHOOKS_TOPIC, key: event.sku, value: JSON.stringify(queued) }],
      });
    } catch (error) {
      throw new StoreApiError(
        503,
        'frozen',
        `frozen for a cutover and the webhook could not be queued: ${(error as Error).message}`,
        { details: { region: this.ctx.region }, outcome: 'unknown' },
      );
    }
    return { eventId: event.eventId, outcome: 'queued' };
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.close().catch(() => {});
  }
}
