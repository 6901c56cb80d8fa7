// Marketplace webhooks: at-least-once deliveries of order and inventory events,
// each with an event id and a per-SKU sequence. A duplicate id or a sequence at
// or below the SKU's high-water mark is recorded and ignored.
import type pg from 'pg';
import { appendLedger } from './ledger-repository.ts';
import type { WebhookEvent } from './request-schemas.ts';
import { lockStock, restock, setStock, unknownSkus } from './stock-repository.ts';
import type { StoreContext } from './store-context.ts';
import { inTransaction } from './store-database.ts';

export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'unknown-sku';

export interface WebhookResult {
  readonly eventId: string;
  readonly outcome: EventOutcome;
  /** How many times this event id has been delivered, this one included. */
  readonly deliveries: number;
  readonly onHand?: number;
  readonly backorderedQty?: number;
}

/**
 * Applies a signed stock change at one store. A decrease takes what is there;
 * the rest comes back as `short` (a backorder for orders, a clamp at zero otherwise).
 */
export async function changeStock(
  client: pg.ClientBase,
  store: string,
  sku: string,
  delta: number,
): Promise<{ applied: number; onHand: number; short: number }> {
  if (delta > 0) {
    const after = await restock(client, store, [{ sku, qty: delta }]);
    return { applied: delta, onHand: after.get(sku)!, short: 0 };
  }
  const onHand = (await lockStock(client, store, [sku])).get(sku)!;
  const taken = Math.min(onHand, -delta);
  if (taken > 0) await setStock(client, store, new Map([[sku, onHand - taken]]));
  return { applied: -taken, onHand: onHand - taken, short: -delta - taken };
}

export async function receiveWebhook(ctx: StoreContext, event: WebhookEvent): Promise<WebhookResult> {
  return inTransaction(ctx.pool, async (client) => {
    // Recording the delivery takes the event's row lock: concurrent duplicates queue here.
    const delivery = await client.query<{ first: boolean; deliveries: number }>({
      name: 'webhook-record',
      text: `INSERT INTO webhook_events (event_id, type, sku, store, qty, sequence, marketplace_order_id, outcome)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'applied')
             ON CONFLICT (event_id) DO UPDATE SET deliveries = webhook_events.deliveries + 1,
               last_received_at = clock_timestamp()
             RETURNING (xmax = 0) AS first, deliveries`,
      values: [
        event.eventId,
        event.type,
        event.sku,
        event.store,
        event.qty,
        event.sequence,
        event.marketplaceOrderId ?? null,
      ],
    });
    const { first, deliveries } = delivery.rows[0]!;
    const advanced = await client.query({
      name: 'webhook-sequence',
      text: `INSERT INTO marketplace_sequences (sku, last_sequence) VALUES ($1, $2)
             ON CONFLICT (sku) DO UPDATE SET last_sequence = EXCLUDED.last_sequence
             WHERE marketplace_sequences.last_sequence < EXCLUDED.last_sequence
             RETURNING 1`,
      values: [event.sku, event.sequence],
    });
    const verdict: EventOutcome = !first ? 'duplicate' : advanced.rowCount === 0 ? 'stale' : 'applied';
    if (
      ctx.defects.webhookLedgerSkip &&
      verdict === 'duplicate' &&
      (await unknownSkus(client, [event.sku])).length === 0
    ) {
      // `webhook-ledger-skip`: the dedupe guards only the ledger insert; a redelivery's stock
      // update runs again, so stock drifts from the books.
      await changeStock(
        client,
        event.store,
        event.sku,
        event.type === 'order.placed' ? -event.qty : event.qty,
      );
      return { eventId: event.eventId, outcome: verdict, deliveries };
    }
    // `webhook-no-dedupe` applies every delivery, whatever its id and sequence say.
    const apply = ctx.defects.webhookNoDedupe || verdict === 'applied';
    if (!apply) {
      if (first) await setOutcome(client, event.eventId, verdict, 0);
      return { eventId: event.eventId, outcome: verdict, deliveries };
    }
    if ((await unknownSkus(client, [event.sku])).length > 0) {
      await setOutcome(client, event.eventId, 'unknown-sku', 0);
      return { eventId: event.eventId, outcome: 'unknown-sku', deliveries };
    }
    const delta = event.type === 'order.placed' ? -event.qty : event.qty;
    const change = await changeStock(client, event.store, event.sku, delta);
    await appendLedger(
      client,
      [
        {
          sku: event.sku,
          store: event.store,
          delta: change.applied,
          onHandAfter: change.onHand,
          reason: 'marketplace',
          refType: 'webhook',
          refId: event.eventId,
          idempotencyKey: event.eventId,
        },
      ],
      ctx.region,
    );
    const backorderedQty = event.type === 'order.placed' ? change.short : 0;
    if (backorderedQty > 0) {
      await client.query({
        name: 'webhook-backorder',
        text: `INSERT INTO backorders (sku, store, qty, ref_type, ref_id) VALUES ($1, $2, $3, 'webhook', $4)`,
        values: [event.sku, event.store, backorderedQty, event.eventId],
      });
    }
    await setOutcome(client, event.eventId, first ? 'applied' : undefined, 1);
    return { eventId: event.eventId, outcome: 'applied', deliveries, onHand: change.onHand, backorderedQty };
  });
}

async function setOutcome(
  client: pg.ClientBase,
  eventId: string,
  outcome: EventOutcome | undefined,
  applied: number,
) {
  await client.query({
    name: 'webhook-outcome',
    text: `UPDATE webhook_events SET outcome = coalesce($2, outcome), applications = applications + $3 WHERE event_id = $1`,
    values: [eventId, outcome ?? null, applied],
  });
}
