// HTTP routes fed by other systems: POST /pos/offline-sync (a terminal's
// store-and-forward upload) and POST /webhooks/marketplace. Both are idempotent
// by the ids in their bodies (sale ids, event ids), as their senders retry blindly.
import type { FastifyInstance } from 'fastify';
import type { FailoverController } from './failover-controller.ts';
import { requireWriter } from './http-support.ts';
import { syncOfflineBatch } from './offline-sync-repository.ts';
import {
  MAX_OFFLINE_SALES,
  offlineSyncRequest,
  parseBody,
  tenderMismatches,
  webhookEvent,
} from './request-schemas.ts';
import type { StoreContext } from './store-context.ts';
import { StoreApiError } from './store-errors.ts';
import type { WebhookQueue } from './webhook-queue.ts';
import { receiveWebhook } from './webhook-repository.ts';

export function registerSyncRoutes(
  app: FastifyInstance,
  ctx: StoreContext,
  failover: FailoverController,
  queue: WebhookQueue,
): void {
  // A terminal may have been offline for hours; 8 MiB holds a full batch of large sales.
  app.post('/pos/offline-sync', { bodyLimit: 8 * 1024 * 1024 }, async (request, reply) => {
    // `freeze-leak`: the freeze was wired into checkout only; uploads still write here.
    if (!(ctx.defects.freezeLeak && failover.role === 'frozen')) requireWriter(failover, ctx.region);
    const sales = (request.body as { sales?: unknown } | null)?.sales;
    if (Array.isArray(sales) && sales.length > MAX_OFFLINE_SALES) {
      throw new StoreApiError(
        413,
        'payload-too-large',
        `the batch holds ${sales.length} sales; at most ${MAX_OFFLINE_SALES} per upload — split it into several batches`,
        { details: { sales: sales.length, max: MAX_OFFLINE_SALES } },
      );
    }
    const body = parseBody(offlineSyncRequest, request.body, 'offline batch');
    if (ctx.defects.offlineStrictTenders) {
      const mismatches = tenderMismatches(body.sales);
      if (mismatches.length > 0)
        throw new StoreApiError(400, 'invalid-request', `offline batch: ${mismatches.join('; ')}`);
    }
    return reply.code(200).send(await syncOfflineBatch(ctx, body));
  });

  app.post('/webhooks/marketplace', async (request, reply) => {
    // Frozen for a cutover (and fenced by the system it moved to): queued, not refused.
    if (failover.queuesWebhooks) {
      const event = parseBody(webhookEvent, request.body, 'marketplace webhook');
      return reply.code(202).send(await queue.queue(event));
    }
    requireWriter(failover, ctx.region);
    const body = parseBody(webhookEvent, request.body, 'marketplace webhook');
    return reply.code(200).send(await receiveWebhook(ctx, body));
  });
}
