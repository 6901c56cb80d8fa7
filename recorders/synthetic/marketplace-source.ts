// Marketplace webhooks as marketplaces send them: created in sequence per
// SKU, delivered after a jittered latency (so some overtake others) and now
// and then delivered twice with the same eventId (at-least-once delivery).
import type { MarketplaceWebhookEvent } from '../../src/model/recording-schema.ts';
import { MARKETPLACE_DEFAULTS } from '../profiles/profile-defaults.ts';
import type { SimulationContext, Source } from './simulation-context.ts';
import { poissonGap } from './store-ops-sources.ts';

type WebhookTemplate = Omit<MarketplaceWebhookEvent, 't' | 'id' | 'deliveryAttempt'>;

export function startMarketplaceSource(ctx: SimulationContext): void {
  const marketplace = ctx.plan.marketplace;
  if (marketplace === undefined) return;
  if (marketplace.ordersPerSecond > 0)
    ctx.schedule(poissonGap(ctx, marketplace.ordersPerSecond), creationSource, 'order');
  if (marketplace.inventoryPerSecond > 0)
    ctx.schedule(poissonGap(ctx, marketplace.inventoryPerSecond), creationSource, 'inventory');
}

const creationSource: Source<'order' | 'inventory'> = {
  fire(ctx, timeMs, eventType) {
    const { random, model } = ctx;
    const rates = ctx.plan.marketplace!;
    const rate = eventType === 'order' ? rates.ordersPerSecond : rates.inventoryPerSecond;
    ctx.schedule(timeMs + poissonGap(ctx, rate), creationSource, eventType);
    const marketplace = random.pick(MARKETPLACE_DEFAULTS.names);
    const skuIndex = random.pickCumulative(model.popularity);
    const entry = model.catalog.skus[skuIndex]!;
    const common = {
      kind: 'marketplace-webhook' as const,
      eventId: `${marketplace}-${random.uuid()}`,
      marketplace,
      sku: entry.sku,
      sequence: ctx.nextWebhookSequence(marketplace, skuIndex),
    };
    const template: WebhookTemplate =
      eventType === 'order'
        ? {
            ...common,
            eventType,
            payload: {
              marketplaceOrderId: `${marketplace.toUpperCase()}-${random.int(100_000_000, 999_999_999)}`,
              qty: random.chance(0.9) ? 1 : 2,
              unitPriceCents: ctx.price(skuIndex),
            },
          }
        : { ...common, eventType, payload: { availableQty: random.int(0, entry.stockOnline) } };
    const deliveredAt =
      timeMs + random.lognormal(MARKETPLACE_DEFAULTS.latencyMeanMs, MARKETPLACE_DEFAULTS.latencyCv);
    ctx.schedule(deliveredAt, deliverySource, { template, attempt: 1 });
    if (random.chance(MARKETPLACE_DEFAULTS.redeliveryRate)) {
      const again = deliveredAt + random.uniform(...MARKETPLACE_DEFAULTS.redeliveryDelayMs);
      ctx.schedule(again, deliverySource, { template, attempt: 2 });
    }
    return undefined;
  },
};

const deliverySource: Source<{ template: WebhookTemplate; attempt: number }> = {
  fire(ctx, timeMs, delivery) {
    return {
      ...delivery.template,
      t: timeMs,
      id: ctx.nextId('wh'),
      deliveryAttempt: delivery.attempt,
    } as MarketplaceWebhookEvent;
  },
};
