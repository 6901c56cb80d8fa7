// POS store-and-forward: a terminal uploads the sales it took offline. Each
// sale is applied once (its id is a primary key); demand beyond stock becomes a
// backorder, never a dropped sale. One transaction per upload.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { appendLedger, type LedgerEntry } from './ledger-repository.ts';
import type { OfflineSale, OfflineSyncRequest } from './request-schemas.ts';
import { lockStock, setStock, unknownSkus } from './stock-repository.ts';
import type { StoreContext } from './store-context.ts';
import { inTransaction } from './store-database.ts';
import { StoreApiError } from './store-errors.ts';

export interface OfflineSaleResult {
  readonly saleId: string;
  readonly status: 'applied' | 'already-applied';
  readonly orderId: string;
  readonly backordered: { sku: string; qty: number }[];
}

export interface OfflineSyncResult {
  readonly batchId: string;
  /** How many times this batch has been uploaded, this one included. */
  readonly uploads: number;
  readonly sales: OfflineSaleResult[];
}

interface Allocation {
  readonly sale: OfflineSale;
  readonly orderId: string;
  /** Per line: units taken from stock and units backordered. */
  readonly lines: { sku: string; qty: number; taken: number; backordered: number; onHandAfter: number }[];
}

/** Takes stock sale by sale in the order they were rung up; what is not there is backordered. Pure. */
export function allocateOfflineSales(
  sales: readonly { sale: OfflineSale; orderId: string }[],
  onHand: Map<string, number>,
): Allocation[] {
  const ordered = [...sales].sort((x, y) => Date.parse(x.sale.soldAt) - Date.parse(y.sale.soldAt));
  return ordered.map(({ sale, orderId }) => ({
    sale,
    orderId,
    lines: sale.lines.map((line) => {
      const available = onHand.get(line.sku) ?? 0;
      const taken = Math.min(available, line.qty);
      onHand.set(line.sku, available - taken);
      return {
        sku: line.sku,
        qty: line.qty,
        taken,
        backordered: line.qty - taken,
        onHandAfter: available - taken,
      };
    }),
  }));
}

const CLAIM_SALES = `
INSERT INTO offline_sales (sale_id, batch_id, order_id, store, terminal, sold_at)
SELECT u.sale_id, $1, u.order_id, $2, $3, u.sold_at
FROM unnest($4::text[], $5::uuid[], $6::timestamptz[]) AS u(sale_id, order_id, sold_at)
ON CONFLICT (sale_id) DO NOTHING
RETURNING sale_id`;

const WRITE_ORDERS = `
WITH o AS (
  INSERT INTO orders (id, offline_sale_id, channel, store, terminal, status, total_cents, region, created_at)
  SELECT u.id, u.sale_id, 'pos', $1, $2, u.status, u.total, $3, u.sold_at
  FROM unnest($4::uuid[], $5::text[], $6::order_status[], $7::int8[], $8::timestamptz[]) AS u(id, sale_id, status, total, sold_at)
), l AS (
  INSERT INTO order_lines (order_id, line_no, sku, qty, unit_price_cents, epc, backordered_qty)
  SELECT * FROM unnest($9::uuid[], $10::int[], $11::text[], $12::int[], $13::int8[], $14::text[], $15::int[])
), b AS (
  INSERT INTO backorders (sku, store, qty, ref_type, ref_id, order_id)
  SELECT u.sku, $1, u.qty, 'offline-sale', u.sale_id, u.order_id
  FROM unnest($16::text[], $17::int[], $18::text[], $19::uuid[]) AS u(sku, qty, sale_id, order_id)
), su AS (
  INSERT INTO serialized_units (epc, sku, order_id, status)
  SELECT u.epc, u.sku, u.order_id, 'sold' FROM unnest($20::text[], $21::text[], $22::uuid[]) AS u(epc, sku, order_id)
  ON CONFLICT (epc) DO NOTHING
)
INSERT INTO tenders (id, order_id, seq, kind, amount_cents)
SELECT * FROM unnest($23::uuid[], $24::uuid[], $25::int[], $26::tender_kind[], $27::int8[])`;

export async function syncOfflineBatch(
  ctx: StoreContext,
  request: OfflineSyncRequest,
): Promise<OfflineSyncResult> {
  return inTransaction(ctx.pool, async (client) => {
    // The batch row lock serializes concurrent uploads of the same batch.
    const batch = await client.query<{ uploads: number }>({
      name: 'offline-batch',
      text: `INSERT INTO offline_batches (batch_id, store, terminal, sale_count) VALUES ($1, $2, $3, $4)
             ON CONFLICT (batch_id) DO UPDATE SET uploads = offline_batches.uploads + 1, last_received_at = clock_timestamp()
             RETURNING uploads`,
      values: [request.batchId, request.store, request.terminal, request.sales.length],
    });
    const unknown = await unknownSkus(
      client,
      request.sales.flatMap((s) => s.lines.map((l) => l.sku)),
    );
    if (unknown.length > 0) {
      throw new StoreApiError(
        422,
        'unknown-sku',
        `batch ${request.batchId} names unknown SKU${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
        {
          details: { unknownSkus: unknown },
        },
      );
    }
    const orderIds = new Map(request.sales.map((s) => [s.saleId, randomUUID()]));
    const claimed = await client.query<{ sale_id: string }>({
      name: 'offline-claim',
      text: CLAIM_SALES,
      values: [
        request.batchId,
        request.store,
        request.terminal,
        request.sales.map((s) => s.saleId),
        request.sales.map((s) => orderIds.get(s.saleId)),
        request.sales.map((s) => s.soldAt),
      ],
    });
    const fresh = new Set(claimed.rows.map((r) => r.sale_id));
    const newSales = request.sales.filter((s) => fresh.has(s.saleId));
    // Only sales this upload claimed take stock. `offline-double-apply` takes
    // stock for every sale in the upload, so a re-sent batch sells its units twice.
    const stockSales = ctx.defects.offlineDoubleApply ? request.sales : newSales;

    const skus = [...new Set(stockSales.flatMap((s) => s.lines.map((l) => l.sku)))].sort();
    const onHand = await lockStock(client, request.store, skus);
    const before = new Map(onHand);
    const allocations = allocateOfflineSales(
      stockSales.map((sale) => ({ sale, orderId: orderIds.get(sale.saleId)! })),
      onHand,
    );
    const changed = new Map([...onHand].filter(([sku, n]) => before.get(sku) !== n));
    await setStock(client, request.store, changed);
    await appendLedger(client, ledgerEntries(request, allocations), ctx.region);
    await writeOrders(
      client,
      ctx,
      request,
      allocations.filter((a) => fresh.has(a.sale.saleId)),
    );

    const existing = await client.query<{ sale_id: string; order_id: string }>({
      name: 'offline-orders',
      text: 'SELECT sale_id, order_id FROM offline_sales WHERE sale_id = ANY($1::text[])',
      values: [request.sales.map((s) => s.saleId)],
    });
    const orderOf = new Map(existing.rows.map((r) => [r.sale_id, r.order_id]));
    const allocationOf = new Map(
      allocations.filter((a) => fresh.has(a.sale.saleId)).map((a) => [a.sale.saleId, a]),
    );
    return {
      batchId: request.batchId,
      uploads: batch.rows[0]!.uploads,
      sales: request.sales.map((s) => ({
        saleId: s.saleId,
        status: fresh.has(s.saleId) ? ('applied' as const) : ('already-applied' as const),
        orderId: orderOf.get(s.saleId)!,
        backordered: (allocationOf.get(s.saleId)?.lines ?? [])
          .filter((l) => l.backordered > 0)
          .map((l) => ({ sku: l.sku, qty: l.backordered })),
      })),
    };
  });
}

function ledgerEntries(request: OfflineSyncRequest, allocations: readonly Allocation[]): LedgerEntry[] {
  return allocations.flatMap((a) =>
    a.lines
      .filter((l) => l.taken > 0)
      .map((l) => ({
        sku: l.sku,
        store: request.store,
        delta: -l.taken,
        onHandAfter: l.onHandAfter,
        reason: 'offline-sale' as const,
        refType: 'offline-sale',
        refId: a.sale.saleId,
        idempotencyKey: request.batchId,
      })),
  );
}

async function writeOrders(
  client: pg.ClientBase,
  ctx: StoreContext,
  request: OfflineSyncRequest,
  allocations: readonly Allocation[],
): Promise<void> {
  if (allocations.length === 0) return;
  const lines = allocations.flatMap((a) =>
    a.sale.lines.map((line, i) => ({ a, line, alloc: a.lines[i]!, no: i + 1 })),
  );
  const backorders = lines.filter((l) => l.alloc.backordered > 0);
  const units = lines.filter((l) => l.line.epc !== undefined);
  const tenders = allocations.flatMap((a) => a.sale.tenders.map((t, i) => ({ a, t, seq: i + 1 })));
  await client.query({
    name: 'offline-orders-write',
    text: WRITE_ORDERS,
    values: [
      request.store,
      request.terminal,
      ctx.region,
      allocations.map((a) => a.orderId),
      allocations.map((a) => a.sale.saleId),
      allocations.map((a) => (a.lines.some((l) => l.backordered > 0) ? 'backordered' : 'completed')),
      allocations.map((a) => a.sale.lines.reduce((sum, l) => sum + l.qty * l.unitPriceCents, 0)),
      allocations.map((a) => a.sale.soldAt),
      lines.map((l) => l.a.orderId),
      lines.map((l) => l.no),
      lines.map((l) => l.line.sku),
      lines.map((l) => l.line.qty),
      lines.map((l) => l.line.unitPriceCents),
      lines.map((l) => l.line.epc ?? null),
      lines.map((l) => l.alloc.backordered),
      backorders.map((l) => l.line.sku),
      backorders.map((l) => l.alloc.backordered),
      backorders.map((l) => l.a.sale.saleId),
      backorders.map((l) => l.a.orderId),
      units.map((l) => l.line.epc),
      units.map((l) => l.line.sku),
      units.map((l) => l.a.orderId),
      tenders.map(() => randomUUID()),
      tenders.map((x) => x.a.orderId),
      tenders.map((x) => x.seq),
      tenders.map((x) => x.t.kind),
      tenders.map((x) => x.t.amountCents),
    ],
  });
}
