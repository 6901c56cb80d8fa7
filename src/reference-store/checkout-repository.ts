// Checkout in one SQL statement: one round trip and one commit per sale, with
// replays of retried keys and explanations of rejections. A sale is acknowledged
// only after its commit returns; with synchronous replication the standby has it.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  type IdempotentRequest,
  loadStored,
  type StoredOutcome,
  storeRejection,
} from './idempotency-repository.ts';
import { type NewOrder, orderResponse } from './order-response.ts';
import type { Channel, CheckoutRequest, TenderKind } from './request-schemas.ts';
import { aggregateDemand, shortageError, takeStockSql } from './stock-repository.ts';
import type { StoreContext } from './store-context.ts';
import { autocommit, inTransaction, read } from './store-database.ts';
import { StoreApiError, sqlState } from './store-errors.ts';

const checkoutStatements = new Map<string, string>();

/**
 * The whole checkout as one statement, so it is one round trip and one commit:
 * claim the key, take the stock, claim the RFID units, price the lines, and
 * only if everything is there write order, lines, tenders and ledger.
 * Otherwise store_abort() fails the statement, which undoes all of it.
 */
export function checkoutSql(defects: StoreContext['defects'], withUnits: boolean): string {
  const variant = `${defects.oversellRace}:${withUnits}`;
  const cached = checkoutStatements.get(variant);
  if (cached) return cached;
  // Most sales carry no RFID unit: their statement leaves the unit claim out (fewer plan nodes to start).
  const units = withUnits
    ? `
), units AS (
  INSERT INTO serialized_units (epc, sku, order_id, status)
  SELECT u.epc, u.sku, $3, 'sold' FROM unnest($8::text[], $9::text[]) AS u(epc, sku)
  WHERE EXISTS (SELECT FROM claim)
  ON CONFLICT (epc) DO UPDATE SET sku = EXCLUDED.sku, order_id = EXCLUDED.order_id, status = 'sold'
  WHERE serialized_units.status = 'returned'
  RETURNING epc`
    : '';
  const unitsFree = withUnits
    ? '(SELECT count(*) FROM units) = cardinality($8::text[])'
    : 'cardinality($8::text[]) + cardinality($9::text[]) = 0';
  const text = `
WITH claim AS (
  INSERT INTO idempotency_keys (key, operation, fingerprint, status_code, order_id)
  VALUES ($1, 'checkout', $2, 201, $3)
  ON CONFLICT (key) DO NOTHING
  RETURNING key
), take AS (
  ${takeStockSql(defects, { store: '$4', skus: '$6', qtys: '$7', guard: 'EXISTS (SELECT FROM claim)' })}
${units}
), lines AS (
  SELECT l.ord, l.sku, l.qty, l.epc, t.price_cents
  FROM unnest($10::text[], $11::int[], $12::text[]) WITH ORDINALITY AS l(sku, qty, epc, ord)
  JOIN take t ON t.sku = l.sku
), verdict AS (
  SELECT EXISTS (SELECT FROM claim) AS claimed, t.n = cardinality($6::text[]) AS stocked,
         ${unitsFree} AS units_free, t.total, t.prices
  FROM (SELECT count(*) AS n, coalesce(sum(qty * price_cents), 0)::int8 AS total,
               coalesce(json_agg(json_build_array(sku, price_cents)), '[]') AS prices FROM take) t
), go AS (
  SELECT total FROM verdict WHERE claimed AND stocked AND units_free AND total = $13
), o AS (
  INSERT INTO orders (id, idempotency_key, channel, store, terminal, status, total_cents, region)
  SELECT $3, $1, $5::sales_channel, $4, $14, 'completed', total, $15 FROM go
), ol AS (
  INSERT INTO order_lines (order_id, line_no, sku, qty, unit_price_cents, epc)
  SELECT $3, lines.ord, lines.sku, lines.qty, lines.price_cents, lines.epc FROM lines, go
), tn AS (
  INSERT INTO tenders (id, order_id, seq, kind, amount_cents)
  SELECT u.id, $3, u.ord, u.kind, u.amount
  FROM unnest($16::uuid[], $17::tender_kind[], $18::int8[]) WITH ORDINALITY AS u(id, kind, amount, ord), go
), led AS (
  INSERT INTO ledger (sku, store, delta, on_hand_after, reason, ref_type, ref_id, idempotency_key, region)
  SELECT t.sku, $4, -t.qty, t.on_hand, 'sale', 'order', $3::text, $1, $15
  FROM take t, go
  ORDER BY t.sku
)
SELECT v.claimed,
       CASE WHEN v.claimed AND NOT EXISTS (SELECT FROM go) THEN store_abort(
         CASE WHEN NOT v.stocked THEN 'out-of-stock' WHEN NOT v.units_free THEN 'unit-already-sold'
              ELSE 'tender-mismatch:' || v.total END) END AS aborted,
       v.prices
FROM verdict v`;
  checkoutStatements.set(variant, text);
  return text;
}

type CheckoutRow = { claimed: boolean; prices: [string, number][] };

export async function checkout(
  ctx: StoreContext,
  idem: IdempotentRequest,
  request: CheckoutRequest,
): Promise<StoredOutcome> {
  const orderId = randomUUID();
  const demand = aggregateDemand(request.lines);
  const units = request.lines.filter((l) => l.epc !== undefined);
  const tenders = request.tenders.map((t) => ({
    tenderId: randomUUID(),
    kind: t.kind,
    amountCents: t.amountCents,
  }));
  const tendered = tenders.reduce((sum, t) => sum + t.amountCents, 0);
  const query = {
    name: `checkout${ctx.defects.oversellRace ? '-unlocked' : ''}${units.length > 0 ? '-units' : ''}`,
    text: checkoutSql(ctx.defects, units.length > 0),
    values: [
      idem.key,
      idem.fingerprint,
      orderId,
      request.store,
      request.channel,
      demand.map((d) => d.sku),
      demand.map((d) => d.qty),
      units.map((u) => u.epc),
      units.map((u) => u.sku),
      request.lines.map((l) => l.sku),
      request.lines.map((l) => l.qty),
      request.lines.map((l) => l.epc ?? null),
      tendered,
      request.terminal ?? null,
      ctx.region,
      tenders.map((t) => t.tenderId),
      tenders.map((t) => t.kind),
      tenders.map((t) => t.amountCents),
    ],
  };
  const run = async (client: pg.PoolClient): Promise<CheckoutRow | { rejected: string }> => {
    try {
      return (await client.query<CheckoutRow>(query)).rows[0]!;
    } catch (error) {
      if (sqlState(error) === 'PD001') return { rejected: (error as Error).message };
      throw error;
    }
  };
  // `ack-before-replicate`: the same statement, but in a transaction whose
  // COMMIT returns once the primary has it, without waiting for the standby.
  const row = ctx.defects.ackBeforeReplicate
    ? await inTransaction(ctx.pool, run, { begin: 'SET LOCAL synchronous_commit = local' })
    : await autocommit(ctx.pool, run);
  if ('rejected' in row) {
    const error = await read(ctx.pool, (client) => explainRejection(client, row.rejected, request, demand));
    if (error.replayable) return storeRejection(ctx.pool, idem, error);
    throw error;
  }
  if (!row.claimed) return read(ctx.pool, (client) => replayCheckout(client, idem));
  const price = new Map(row.prices);
  const order: NewOrder = {
    orderId,
    idempotencyKey: idem.key,
    channel: request.channel,
    store: request.store,
    terminal: request.terminal ?? null,
    lines: request.lines.map((l) => ({
      sku: l.sku,
      qty: l.qty,
      unitPriceCents: price.get(l.sku)!,
      epc: l.epc ?? null,
    })),
    tenders,
    totalCents: tendered,
  };
  return { statusCode: 201, body: orderResponse(order, ctx.region), replayed: false };
}

/** Turns store_abort's reason into the answer, reading what the client needs to know. */
async function explainRejection(
  client: pg.ClientBase,
  reason: string,
  request: CheckoutRequest,
  demand: readonly { sku: string; qty: number }[],
): Promise<StoreApiError> {
  if (reason === 'out-of-stock') return shortageError(client, request.store, demand);
  if (reason === 'unit-already-sold') {
    const epcs = request.lines.flatMap((l) => (l.epc ? [l.epc] : []));
    const sold = await client.query<{ epc: string }>({
      name: 'units-sold',
      text: `SELECT epc FROM serialized_units WHERE epc = ANY($1::text[]) AND status = 'sold' ORDER BY epc`,
      values: [epcs],
    });
    const list = sold.rows.map((r) => r.epc);
    return new StoreApiError(
      409,
      'unit-already-sold',
      `serialized unit${list.length === 1 ? '' : 's'} already sold: ${list.join(', ')}`,
      {
        details: { epcs: list },
        replayable: true,
      },
    );
  }
  const total = Number(reason.slice('tender-mismatch:'.length));
  const tendered = request.tenders.reduce((sum, t) => sum + t.amountCents, 0);
  return new StoreApiError(
    422,
    'tender-mismatch',
    `tenders pay ${tendered} cents but the order totals ${total} cents at current prices`,
    {
      details: { totalCents: total, tenderedCents: tendered },
    },
  );
}

/** A retried checkout: the stored rejection, or the response rebuilt from the order the key created. */
async function replayCheckout(client: pg.ClientBase, idem: IdempotentRequest): Promise<StoredOutcome> {
  const stored = await loadStored(client, idem);
  if (stored.orderId === null)
    return { statusCode: stored.statusCode, body: stored.response, replayed: true };
  const r = await client.query<{ o: OrderSnapshot }>({
    name: 'checkout-replay',
    text: `
SELECT json_build_object(
  'order', (SELECT row_to_json(o) FROM (SELECT id, channel, store, terminal, total_cents, region FROM orders WHERE id = $1) o),
  'lines', (SELECT json_agg(json_build_array(sku, qty, unit_price_cents, epc) ORDER BY line_no) FROM order_lines WHERE order_id = $1),
  'tenders', (SELECT json_agg(json_build_array(id, kind, amount_cents) ORDER BY seq) FROM tenders WHERE order_id = $1)) AS o`,
    values: [stored.orderId],
  });
  const snap = r.rows[0]!.o;
  const order: NewOrder = {
    orderId: snap.order.id,
    idempotencyKey: idem.key,
    channel: snap.order.channel,
    store: snap.order.store,
    terminal: snap.order.terminal,
    lines: snap.lines.map(([sku, qty, unitPriceCents, epc]) => ({ sku, qty, unitPriceCents, epc })),
    tenders: snap.tenders.map(([tenderId, kind, amountCents]) => ({ tenderId, kind, amountCents })),
    totalCents: snap.order.total_cents,
  };
  return { statusCode: stored.statusCode, body: orderResponse(order, snap.order.region), replayed: true };
}

interface OrderSnapshot {
  order: {
    id: string;
    channel: Channel;
    store: string;
    terminal: string | null;
    total_cents: number;
    region: string;
  };
  lines: [string, number, number, string | null][];
  tenders: [string, TenderKind, number][];
}
