// Returns and exchanges against an order, in one transaction under the order's
// row lock: returned units restocked, the refund allocated across the original
// tenders (never beyond what each took), exchange items sold as a new order.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { sellExchange } from './exchange-sale.ts';
import {
  claimKey,
  type IdempotentRequest,
  recordOutcome,
  type StoredOutcome,
  storeRejection,
} from './idempotency-repository.ts';
import { appendLedger } from './ledger-repository.ts';
import { allocateRefund } from './refund-allocation.ts';
import type { ReturnRequest, SaleLine, TenderKind } from './request-schemas.ts';
import { aggregateDemand, restock } from './stock-repository.ts';
import type { StoreContext } from './store-context.ts';
import { inTransaction } from './store-database.ts';
import { StoreApiError } from './store-errors.ts';

interface OrderLineRow {
  line_no: number;
  sku: string;
  qty: number;
  returned_qty: number;
  backordered_qty: number;
  unit_price_cents: number;
  epc: string | null;
}

interface TenderRow {
  id: string;
  seq: number;
  kind: TenderKind;
  amount_cents: number;
  refunded_cents: number;
}

export interface ReturnedLine {
  readonly orderLineNo: number;
  readonly sku: string;
  readonly qty: number;
  readonly unitPriceCents: number;
  readonly epc: string | null;
}

/**
 * Matches the requested lines to order lines with units left to return (an EPC
 * to its own line). Pure: throws a replayable 409 when the order has too few.
 */
export function matchReturnLines(
  orderId: string,
  orderLines: readonly OrderLineRow[],
  requested: readonly SaleLine[],
): ReturnedLine[] {
  const left = new Map(orderLines.map((l) => [l.line_no, l.qty - l.backordered_qty - l.returned_qty]));
  const matched = new Map<number, ReturnedLine>();
  const short: string[] = [];
  for (const want of requested) {
    let need = want.qty;
    const candidates = orderLines.filter(
      (l) => l.sku === want.sku && (want.epc === undefined || l.epc === want.epc),
    );
    for (const line of candidates) {
      const take = Math.min(need, left.get(line.line_no) ?? 0);
      if (take === 0) continue;
      left.set(line.line_no, (left.get(line.line_no) ?? 0) - take);
      const prev = matched.get(line.line_no);
      matched.set(line.line_no, {
        orderLineNo: line.line_no,
        sku: line.sku,
        qty: (prev?.qty ?? 0) + take,
        unitPriceCents: line.unit_price_cents,
        epc: line.epc,
      });
      need -= take;
      if (need === 0) break;
    }
    if (need > 0) {
      const returnable = candidates.reduce(
        (sum, l) => sum + Math.max(0, l.qty - l.backordered_qty - l.returned_qty),
        0,
      );
      short.push(
        `${want.sku}${want.epc ? ` (epc ${want.epc})` : ''}: ${want.qty} requested, ${returnable} left to return`,
      );
    }
  }
  if (short.length > 0) {
    throw new StoreApiError(
      409,
      'nothing-to-return',
      `order ${orderId} has too few units left to return: ${short.join('; ')}`,
      {
        details: { orderId, lines: short },
        replayable: true,
      },
    );
  }
  return [...matched.values()].sort((x, y) => x.orderLineNo - y.orderLineNo);
}

async function loadOrderForReturn(client: pg.ClientBase, ctx: StoreContext, orderId: string) {
  // The order row lock serializes every return against this order, so the
  // returned quantities and tender balances read below cannot go stale before
  // they are written back. `refund-overflow` reads them without it.
  const order = await client.query<{ id: string }>({
    name: ctx.defects.refundOverflow ? 'return-order-unlocked' : 'return-order-lock',
    text: `SELECT id FROM orders WHERE id = $1${ctx.defects.refundOverflow ? '' : ' FOR UPDATE'}`,
    values: [orderId],
  });
  if (order.rowCount === 0) {
    throw new StoreApiError(404, 'unknown-order', `no order ${orderId}`, { details: { orderId } });
  }
  const lines = await client.query<OrderLineRow>({
    name: 'return-lines',
    text: `SELECT line_no, sku, qty, returned_qty, backordered_qty, unit_price_cents, epc
           FROM order_lines WHERE order_id = $1 ORDER BY line_no`,
    values: [orderId],
  });
  const tenders = await client.query<TenderRow>({
    name: 'return-tenders',
    text: 'SELECT id, seq, kind, amount_cents, refunded_cents FROM tenders WHERE order_id = $1 ORDER BY seq',
    values: [orderId],
  });
  return { lines: lines.rows, tenders: tenders.rows };
}

export async function returnOrder(
  ctx: StoreContext,
  idem: IdempotentRequest,
  orderId: string,
  request: ReturnRequest,
): Promise<StoredOutcome> {
  const returnId = randomUUID();
  try {
    return await inTransaction(ctx.pool, async (client) => {
      const claim = await claimKey(client, idem);
      if (claim.kind === 'replay') return claim.outcome;
      const order = await loadOrderForReturn(client, ctx, orderId);
      const returned = matchReturnLines(orderId, order.lines, request.lines);
      const returnCents = returned.reduce((sum, l) => sum + l.qty * l.unitPriceCents, 0);

      const exchange = await sellExchange(client, ctx, request, returnCents);
      const refundCents = returnCents - exchange.creditCents;
      const plan = allocateRefund(
        refundCents,
        order.tenders.map((t) => ({
          tenderId: t.id,
          seq: t.seq,
          amountCents: t.amount_cents,
          refundedCents: t.refunded_cents,
        })),
      );
      if (plan.unallocatedCents > 0) {
        throw new StoreApiError(
          409,
          'refund-exceeds-tenders',
          `order ${orderId} has only ${refundCents - plan.unallocatedCents} cents left to refund; ${refundCents} needed`,
          {
            replayable: true,
          },
        );
      }

      // Absolute values computed from the rows read under the order lock.
      const newReturned = new Map(order.lines.map((l) => [l.line_no, l.returned_qty]));
      for (const r of returned) newReturned.set(r.orderLineNo, (newReturned.get(r.orderLineNo) ?? 0) + r.qty);
      const tenderById = new Map(order.tenders.map((t) => [t.id, t]));
      await client.query({
        name: 'return-write',
        text: `
WITH ol AS (
  UPDATE order_lines o SET returned_qty = u.returned
  FROM unnest($3::int[], $4::int[]) AS u(line_no, returned)
  WHERE o.order_id = $2 AND o.line_no = u.line_no
), t AS (
  UPDATE tenders t SET refunded_cents = u.refunded
  FROM unnest($5::uuid[], $6::int8[]) AS u(id, refunded) WHERE t.id = u.id
), r AS (
  INSERT INTO returns (id, order_id, idempotency_key, store, terminal, return_cents, refund_cents, exchange_order_id, region)
  VALUES ($1, $2, $7, $8, $9, $10, $11, $12, $13)
), rl AS (
  INSERT INTO return_lines (return_id, order_line_no, sku, qty, unit_price_cents)
  SELECT $1, u.line_no, u.sku, u.qty, u.price
  FROM unnest($14::int[], $15::text[], $16::int[], $17::int8[]) AS u(line_no, sku, qty, price)
), su AS (
  UPDATE serialized_units SET status = 'returned' WHERE order_id = $2 AND epc = ANY($18::text[])
)
INSERT INTO refunds (return_id, order_id, tender_id, amount_cents)
SELECT $1, $2, u.id, u.amount FROM unnest($19::uuid[], $20::int8[]) AS u(id, amount)`,
        values: [
          returnId,
          orderId,
          returned.map((r) => r.orderLineNo),
          returned.map((r) => newReturned.get(r.orderLineNo)!),
          plan.allocations.map((a) => a.tenderId),
          plan.allocations.map((a) => tenderById.get(a.tenderId)!.refunded_cents + a.amountCents),
          idem.key,
          request.store,
          request.terminal ?? null,
          returnCents,
          refundCents,
          exchange.order?.orderId ?? null,
          ctx.region,
          returned.map((r) => r.orderLineNo),
          returned.map((r) => r.sku),
          returned.map((r) => r.qty),
          returned.map((r) => r.unitPriceCents),
          returned.flatMap((r) => (r.epc ? [r.epc] : [])),
          plan.allocations.map((a) => a.tenderId),
          plan.allocations.map((a) => a.amountCents),
        ],
      });

      const restocked = await restock(client, request.store, returned);
      await appendLedger(
        client,
        aggregateDemand(returned).map((d) => ({
          sku: d.sku,
          store: request.store,
          delta: d.qty,
          onHandAfter: restocked.get(d.sku)!,
          reason: 'return' as const,
          refType: 'return',
          refId: returnId,
          idempotencyKey: idem.key,
        })),
        ctx.region,
      );

      const body = {
        returnId,
        orderId,
        store: request.store,
        region: ctx.region,
        returnCents,
        refundCents,
        lines: returned,
        refunds: plan.allocations.map((a) => ({ ...a, kind: tenderById.get(a.tenderId)!.kind })),
        restocked: [...restocked].map(([sku, onHand]) => ({ sku, store: request.store, onHand })),
        exchange: exchange.order ? { creditCents: exchange.creditCents, order: exchange.body } : null,
      };
      await recordOutcome(client, idem.key, 201, body);
      return { statusCode: 201, body, replayed: false };
    });
  } catch (error) {
    if (error instanceof StoreApiError && error.replayable) return storeRejection(ctx.pool, idem, error);
    throw error;
  }
}
