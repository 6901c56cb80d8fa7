// The catalog and the read side: reset, seed (SKUs with stock per store, as
// ledger entries so stock always equals the sum of the ledger), stock per SKU
// and an order with its lines, tenders and returns.
import type pg from 'pg';
import type { SeedRequest } from './request-schemas.ts';
import { BUSINESS_TABLES } from './schema-migrations.ts';
import type { StoreContext } from './store-context.ts';
import { inTransaction, read } from './store-database.ts';
import { StoreApiError } from './store-errors.ts';

export async function resetStore(ctx: StoreContext): Promise<void> {
  await inTransaction(ctx.pool, async (client) => {
    await client.query(`TRUNCATE ${BUSINESS_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
    await client.query(
      'UPDATE ledger_publication SET published_through = 0, generation = generation + 1, updated_at = clock_timestamp()',
    );
  });
}

const SEED_SQL = `
WITH k AS (
  INSERT INTO skus (sku, name, price_cents, serialized)
  SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::bool[])
  ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, price_cents = EXCLUDED.price_cents, serialized = EXCLUDED.serialized
), want AS (
  SELECT * FROM unnest($5::text[], $6::text[], $7::int[]) AS w(sku, store, on_hand)
), cur AS (
  SELECT s.sku, s.store, s.on_hand FROM stock s JOIN want w USING (sku, store) FOR UPDATE OF s
), st AS (
  INSERT INTO stock (sku, store, on_hand) SELECT sku, store, on_hand FROM want
  ON CONFLICT (sku, store) DO UPDATE SET on_hand = EXCLUDED.on_hand
), led AS (
  INSERT INTO ledger (sku, store, delta, on_hand_after, reason, ref_type, ref_id, region)
  SELECT w.sku, w.store, w.on_hand - coalesce(c.on_hand, 0), w.on_hand, 'seed', 'seed', $8, $9
  FROM want w LEFT JOIN cur c USING (sku, store)
  WHERE w.on_hand <> coalesce(c.on_hand, 0)
  ORDER BY w.sku, w.store
)
SELECT count(*) FROM want`;

/** Upserts SKUs and sets their stock; returns how many SKUs and stock rows it wrote. */
export async function seedCatalog(
  ctx: StoreContext,
  request: SeedRequest,
): Promise<{ skus: number; stockRows: number }> {
  const skus = new Map(request.skus.map((s) => [s.sku, s]));
  if (skus.size !== request.skus.length) {
    throw new StoreApiError(400, 'invalid-request', 'invalid seed: a SKU appears more than once');
  }
  const rows = request.skus.flatMap((s) =>
    Object.entries(s.stock).map(([store, onHand]) => ({ sku: s.sku, store, onHand })),
  );
  const seedId = new Date().toISOString();
  await inTransaction(ctx.pool, async (client) => {
    await client.query(SEED_SQL, [
      request.skus.map((s) => s.sku),
      request.skus.map((s) => s.name ?? ''),
      request.skus.map((s) => s.priceCents),
      request.skus.map((s) => s.serialized ?? false),
      rows.map((r) => r.sku),
      rows.map((r) => r.store),
      rows.map((r) => r.onHand),
      seedId,
      ctx.region,
    ]);
  });
  return { skus: skus.size, stockRows: rows.length };
}

export interface StockView {
  readonly sku: string;
  readonly stores: Record<string, number>;
  readonly total: number;
}

export async function readStock(ctx: StoreContext, sku: string): Promise<StockView> {
  return read(ctx.pool, async (client) => {
    const rows = await client.query<{ known: boolean; store: string | null; on_hand: number | null }>({
      name: 'stock-read',
      text: `SELECT true AS known, s.store, s.on_hand FROM skus k LEFT JOIN stock s ON s.sku = k.sku
             WHERE k.sku = $1 ORDER BY s.store`,
      values: [sku],
    });
    if (rows.rowCount === 0)
      throw new StoreApiError(404, 'unknown-sku', `unknown SKU: ${sku}`, { details: { sku } });
    const stores: Record<string, number> = {};
    for (const r of rows.rows) if (r.store !== null) stores[r.store] = r.on_hand ?? 0;
    return { sku, stores, total: Object.values(stores).reduce((a, b) => a + b, 0) };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export async function readOrder(ctx: StoreContext, orderId: string): Promise<unknown> {
  if (!isUuid(orderId))
    throw new StoreApiError(404, 'unknown-order', `no order ${orderId}`, { details: { orderId } });
  return read(ctx.pool, async (client) => {
    const order = await readOrderRow(client, orderId);
    if (!order)
      throw new StoreApiError(404, 'unknown-order', `no order ${orderId}`, { details: { orderId } });
    return order;
  });
}

async function readOrderRow(client: pg.ClientBase, orderId: string): Promise<unknown> {
  const r = await client.query<{ order: unknown }>({
    name: 'order-read',
    text: `
SELECT json_build_object(
  'orderId', o.id, 'idempotencyKey', o.idempotency_key, 'offlineSaleId', o.offline_sale_id,
  'channel', o.channel, 'store', o.store, 'terminal', o.terminal, 'status', o.status,
  'totalCents', o.total_cents, 'region', o.region, 'createdAt', o.created_at,
  'lines', (SELECT coalesce(json_agg(json_build_object('lineNo', l.line_no, 'sku', l.sku, 'qty', l.qty,
      'unitPriceCents', l.unit_price_cents, 'epc', l.epc, 'backorderedQty', l.backordered_qty,
      'returnedQty', l.returned_qty) ORDER BY l.line_no), '[]') FROM order_lines l WHERE l.order_id = o.id),
  'tenders', (SELECT coalesce(json_agg(json_build_object('tenderId', t.id, 'seq', t.seq, 'kind', t.kind,
      'amountCents', t.amount_cents, 'refundedCents', t.refunded_cents) ORDER BY t.seq), '[]')
      FROM tenders t WHERE t.order_id = o.id),
  'returns', (SELECT coalesce(json_agg(json_build_object('returnId', r.id, 'returnCents', r.return_cents,
      'refundCents', r.refund_cents, 'exchangeOrderId', r.exchange_order_id, 'createdAt', r.created_at)
      ORDER BY r.created_at), '[]') FROM returns r WHERE r.order_id = o.id)
) AS order
FROM orders o WHERE o.id = $1`,
    values: [orderId],
  });
  return r.rows[0]?.order;
}
