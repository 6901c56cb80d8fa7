// HTTP routes for selling and reading: POST /checkout, POST /orders/:orderId/returns
// (both Stripe-style idempotent), GET /orders/:orderId and GET /stock/:sku.
// Handlers only validate and delegate; the repositories own the transactions.
import type { FastifyInstance } from 'fastify';
import { isUuid, readOrder, readStock } from './catalog-repository.ts';
import { checkout } from './checkout-repository.ts';
import type { FailoverController } from './failover-controller.ts';
import { idempotencyKey, requireWriter, sendOutcome } from './http-support.ts';
import { requestFingerprint } from './idempotency-fingerprint.ts';
import { checkoutRequest, parseBody, returnRequest } from './request-schemas.ts';
import { returnOrder } from './return-repository.ts';
import type { StoreContext } from './store-context.ts';
import { StoreApiError } from './store-errors.ts';

/** The longest a checkout is held in a freeze window before it is refused (503 frozen). */
const HOLD_MAX_MS = 30_000;

export function registerOrderRoutes(
  app: FastifyInstance,
  ctx: StoreContext,
  failover: FailoverController,
): void {
  app.post('/checkout', async (request, reply) => {
    // Frozen with checkouts held: the shopper waits out the freeze instead of being refused.
    await failover.whileHeld(HOLD_MAX_MS);
    requireWriter(failover, ctx.region);
    const key = idempotencyKey(request);
    const body = parseBody(checkoutRequest, request.body, 'checkout');
    const idem = { key, operation: 'checkout', fingerprint: requestFingerprint('checkout', request.body) };
    return sendOutcome(reply, await checkout(ctx, idem, body));
  });

  app.post<{ Params: { orderId: string } }>('/orders/:orderId/returns', async (request, reply) => {
    requireWriter(failover, ctx.region);
    const key = idempotencyKey(request);
    const { orderId } = request.params;
    const body = parseBody(returnRequest, request.body, 'return');
    if (!isUuid(orderId))
      throw new StoreApiError(404, 'unknown-order', `no order ${orderId}`, { details: { orderId } });
    const operation = `return:${orderId}`;
    const idem = { key, operation, fingerprint: requestFingerprint(operation, request.body) };
    return sendOutcome(reply, await returnOrder(ctx, idem, orderId, body));
  });

  app.get<{ Params: { orderId: string } }>('/orders/:orderId', async (request) =>
    readOrder(ctx, request.params.orderId),
  );

  app.get<{ Params: { sku: string } }>('/stock/:sku', async (request) => readStock(ctx, request.params.sku));
}
