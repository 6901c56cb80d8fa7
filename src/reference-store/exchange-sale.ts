// The sale side of an exchange: the items handed over are sold as a new order
// inside the return's transaction, paid first with store credit from the
// returned value, then with the request's tenders. Stock is taken like a checkout.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { appendLedger } from './ledger-repository.ts';
import { type NewOrder, orderResponse } from './order-response.ts';
import type { ReturnRequest, SaleLine, TenderKind } from './request-schemas.ts';
import { aggregateDemand, shortageError, type TakenStock, takeStock } from './stock-repository.ts';
import type { StoreContext } from './store-context.ts';
import { StoreApiError } from './store-errors.ts';

const WRITE_ORDER = `
WITH o AS (
  INSERT INTO orders (id, idempotency_key, channel, store, terminal, status, total_cents, region)
  VALUES ($1, NULL, $2, $3, $4, 'completed', $5, $6)
), l AS (
  INSERT INTO order_lines (order_id, line_no, sku, qty, unit_price_cents, epc)
  SELECT $1, u.ord, u.sku, u.qty, u.price, u.epc
  FROM unnest($7::text[], $8::int[], $9::int8[], $10::text[]) WITH ORDINALITY AS u(sku, qty, price, epc, ord)
)
INSERT INTO tenders (id, order_id, seq, kind, amount_cents)
SELECT u.id, $1, u.ord, u.kind, u.amount
FROM unnest($11::uuid[], $12::tender_kind[], $13::int8[]) WITH ORDINALITY AS u(id, kind, amount, ord)`;

/** Marks RFID units sold; a unit already sold (and not returned) fails the exchange with a 409. */
async function claimUnits(client: pg.ClientBase, orderId: string, lines: readonly SaleLine[]): Promise<void> {
  const units = lines.filter((l) => l.epc !== undefined);
  if (units.length === 0) return;
  const claimed = await client.query<{ epc: string }>({
    name: 'units-claim',
    text: `INSERT INTO serialized_units (epc, sku, order_id, status)
           SELECT u.epc, u.sku, $1, 'sold' FROM unnest($2::text[], $3::text[]) AS u(epc, sku)
           ON CONFLICT (epc) DO UPDATE SET sku = EXCLUDED.sku, order_id = EXCLUDED.order_id, status = 'sold'
           WHERE serialized_units.status = 'returned'
           RETURNING epc`,
    values: [orderId, units.map((u) => u.epc), units.map((u) => u.sku)],
  });
  if (claimed.rowCount === units.length) return;
  const got = new Set(claimed.rows.map((r) => r.epc));
  const sold = units.map((u) => u.epc!).filter((e) => !got.has(e));
  throw new StoreApiError(
    409,
    'unit-already-sold',
    `serialized unit${sold.length > 1 ? 's' : ''} already sold: ${sold.join(', ')}`,
    {
      details: { epcs: sold },
      replayable: true,
    },
  );
}

/** Prices the lines from what takeStock read and checks credit plus tenders pay exactly that. */
function priceLines(
  lines: readonly SaleLine[],
  taken: readonly TakenStock[],
  tenders: readonly { kind: TenderKind; amountCents: number }[],
  creditCents: number,
): { lines: NewOrder['lines']; totalCents: number } {
  const price = new Map(taken.map((t) => [t.sku, t.priceCents]));
  const priced = lines.map((l) => ({
    sku: l.sku,
    qty: l.qty,
    unitPriceCents: price.get(l.sku)!,
    epc: l.epc ?? null,
  }));
  const totalCents = priced.reduce((sum, l) => sum + l.qty * l.unitPriceCents, 0);
  const paid = creditCents + tenders.reduce((sum, t) => sum + t.amountCents, 0);
  if (paid !== totalCents) {
    throw new StoreApiError(
      422,
      'tender-mismatch',
      `the exchange items total ${totalCents} cents; store credit (${creditCents}) and tenders pay ${paid}`,
      { details: { totalCents, creditCents, tenderedCents: paid - creditCents, lines: priced } },
    );
  }
  return { lines: priced, totalCents };
}

export interface ExchangeSale {
  /** Part of the returned value spent on the exchange items (not refunded). */
  readonly creditCents: number;
  readonly order: NewOrder | undefined;
  readonly body: ReturnType<typeof orderResponse> | undefined;
}

/** Sells the exchange items of a return, if any; inside the return's transaction. */
export async function sellExchange(
  client: pg.ClientBase,
  ctx: StoreContext,
  request: ReturnRequest,
  returnCents: number,
): Promise<ExchangeSale> {
  const lines = request.exchangeLines ?? [];
  if (lines.length === 0) {
    if ((request.tenders ?? []).length > 0) {
      throw new StoreApiError(
        422,
        'tender-mismatch',
        'tenders are only taken with exchangeLines (to pay what the return does not cover)',
      );
    }
    return { creditCents: 0, order: undefined, body: undefined };
  }
  const orderId = randomUUID();
  const demand = aggregateDemand(lines);
  const taken = await takeStock(client, request.store, demand, ctx.defects);
  if (!taken) throw await shortageError(client, request.store, demand);
  await claimUnits(client, orderId, lines);
  const price = new Map(taken.map((t) => [t.sku, t.priceCents]));
  const exchangeCents = lines.reduce((sum, l) => sum + l.qty * price.get(l.sku)!, 0);
  const creditCents = Math.min(returnCents, exchangeCents);
  const extra = request.tenders ?? [];
  const priced = priceLines(lines, taken, extra, creditCents);
  const order: NewOrder = {
    orderId,
    idempotencyKey: null,
    channel: 'pos',
    store: request.store,
    terminal: request.terminal ?? null,
    lines: priced.lines,
    tenders: [
      ...(creditCents > 0
        ? [{ tenderId: randomUUID(), kind: 'store_credit' as const, amountCents: creditCents }]
        : []),
      ...extra.map((t) => ({ tenderId: randomUUID(), kind: t.kind, amountCents: t.amountCents })),
    ],
    totalCents: priced.totalCents,
  };
  await client.query({
    name: 'exchange-order-write',
    text: WRITE_ORDER,
    values: [
      order.orderId,
      order.channel,
      order.store,
      order.terminal,
      order.totalCents,
      ctx.region,
      order.lines.map((l) => l.sku),
      order.lines.map((l) => l.qty),
      order.lines.map((l) => l.unitPriceCents),
      order.lines.map((l) => l.epc),
      order.tenders.map((t) => t.tenderId),
      order.tenders.map((t) => t.kind),
      order.tenders.map((t) => t.amountCents),
    ],
  });
  await appendLedger(
    client,
    taken.map((t) => ({
      sku: t.sku,
      store: request.store,
      delta: -demand.find((d) => d.sku === t.sku)!.qty,
      onHandAfter: t.onHandAfter,
      reason: 'exchange' as const,
      refType: 'order',
      refId: orderId,
    })),
    ctx.region,
  );
  return { creditCents, order, body: orderResponse(order, ctx.region) };
}
