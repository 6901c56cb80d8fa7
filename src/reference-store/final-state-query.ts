// The oracle's read of the reference store: readFinalState(client) takes one
// consistent snapshot (REPEATABLE READ, read-only, so it works on a standby too)
// and returns StoreFinalState. Casts are in SQL, so any pg client config works.
import type pg from 'pg';
import type {
  FinalBackorder,
  FinalLedgerEntry,
  FinalOfflineBatch,
  FinalOfflineSale,
  FinalOrder,
  FinalOrderLine,
  FinalRefund,
  FinalReturn,
  FinalScanEvent,
  FinalTender,
  FinalWebhookEvent,
  StoreFinalState,
} from './final-state.ts';

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

async function rows<T>(client: pg.ClientBase, text: string): Promise<T[]> {
  return (await client.query(text)).rows as T[];
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export async function readFinalState(client: pg.ClientBase): Promise<StoreFinalState> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const state = await readSnapshot(client);
    await client.query('COMMIT');
    return state;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function readSnapshot(client: pg.ClientBase): Promise<StoreFinalState> {
  const meta = (
    await rows<{ read_at: string; in_recovery: boolean }>(
      client,
      `SELECT ${iso('clock_timestamp()')} AS read_at, pg_is_in_recovery() AS in_recovery`,
    )
  )[0]!;
  const skus = await rows<StoreFinalState['skus'][number]>(
    client,
    `SELECT sku, name, price_cents::float8 AS "priceCents", serialized FROM skus ORDER BY sku`,
  );
  const stock = await rows<StoreFinalState['stock'][number]>(
    client,
    `SELECT sku, store, on_hand AS "onHand" FROM stock ORDER BY sku, store`,
  );
  const lines = await rows<FinalOrderLine & { orderId: string }>(
    client,
    `SELECT order_id::text AS "orderId", line_no AS "lineNo", sku, qty, unit_price_cents::float8 AS "unitPriceCents",
            epc, backordered_qty AS "backorderedQty", returned_qty AS "returnedQty"
     FROM order_lines ORDER BY order_id, line_no`,
  );
  const tenders = await rows<FinalTender & { orderId: string }>(
    client,
    `SELECT order_id::text AS "orderId", id::text AS "tenderId", seq, kind, amount_cents::float8 AS "amountCents",
            refunded_cents::float8 AS "refundedCents"
     FROM tenders ORDER BY order_id, seq`,
  );
  const linesOf = groupBy(lines, (l) => l.orderId);
  const tendersOf = groupBy(tenders, (t) => t.orderId);
  const orderRows = await rows<Omit<FinalOrder, 'lines' | 'tenders'>>(
    client,
    `SELECT id::text AS "orderId", idempotency_key AS "idempotencyKey", offline_sale_id AS "offlineSaleId", channel,
            store, terminal, status, total_cents::float8 AS "totalCents", region, ${iso('created_at')} AS "createdAt"
     FROM orders ORDER BY created_at, id`,
  );
  const orders: FinalOrder[] = orderRows.map((o) => ({
    ...o,
    lines: (linesOf.get(o.orderId) ?? []).map(({ orderId: _o, ...l }) => l),
    tenders: (tendersOf.get(o.orderId) ?? []).map(({ orderId: _o, ...t }) => t),
  }));
  const returnLines = await rows<FinalReturn['lines'][number] & { returnId: string }>(
    client,
    `SELECT return_id::text AS "returnId", order_line_no AS "orderLineNo", sku, qty,
            unit_price_cents::float8 AS "unitPriceCents"
     FROM return_lines ORDER BY return_id, order_line_no`,
  );
  const returnLinesOf = groupBy(returnLines, (l) => l.returnId);
  const returns: FinalReturn[] = (
    await rows<Omit<FinalReturn, 'lines'>>(
      client,
      `SELECT id::text AS "returnId", order_id::text AS "orderId", idempotency_key AS "idempotencyKey", store, terminal,
              return_cents::float8 AS "returnCents", refund_cents::float8 AS "refundCents",
              exchange_order_id::text AS "exchangeOrderId", region, ${iso('created_at')} AS "createdAt"
       FROM returns ORDER BY created_at, id`,
    )
  ).map((r) => ({ ...r, lines: (returnLinesOf.get(r.returnId) ?? []).map(({ returnId: _r, ...l }) => l) }));
  const refunds = await rows<FinalRefund>(
    client,
    `SELECT id::float8 AS "refundId", return_id::text AS "returnId", order_id::text AS "orderId",
            tender_id::text AS "tenderId", amount_cents::float8 AS "amountCents", ${iso('created_at')} AS "createdAt"
     FROM refunds ORDER BY id`,
  );
  const ledger = await rows<FinalLedgerEntry>(
    client,
    `SELECT l.id::float8 AS id, ${iso('l.at')} AS at, l.sku, l.store, l.delta, l.on_hand_after AS "onHandAfter",
            l.reason, l.ref_type AS "refType", l.ref_id AS "refId", l.idempotency_key AS "idempotencyKey", l.region,
            l.id <= coalesce((SELECT published_through FROM ledger_publication WHERE topic = 'inventory-events'), 0)
              AS published
     FROM ledger l ORDER BY l.id`,
  );
  const backorders = await rows<FinalBackorder>(
    client,
    `SELECT id::float8 AS id, sku, store, qty, ref_type AS "refType", ref_id AS "refId", order_id::text AS "orderId"
     FROM backorders ORDER BY id`,
  );
  const webhookEvents = await rows<FinalWebhookEvent>(
    client,
    `SELECT event_id AS "eventId", type, sku, store, qty, sequence::float8 AS sequence,
            marketplace_order_id AS "marketplaceOrderId", outcome, deliveries, applications,
            ${iso('first_received_at')} AS "firstReceivedAt", ${iso('last_received_at')} AS "lastReceivedAt"
     FROM webhook_events ORDER BY first_received_at, event_id`,
  );
  const scanEvents = await rows<FinalScanEvent>(
    client,
    `SELECT scan_id AS "scanId", kind, sku, store, qty, sequence::float8 AS sequence, outcome, deliveries, applications,
            kafka_partition AS "kafkaPartition", kafka_offset::text AS "kafkaOffset",
            ${iso('first_received_at')} AS "firstReceivedAt"
     FROM scan_events ORDER BY first_received_at, scan_id`,
  );
  const offlineBatches = await rows<FinalOfflineBatch>(
    client,
    `SELECT batch_id AS "batchId", store, terminal, sale_count AS "saleCount", uploads,
            ${iso('first_received_at')} AS "firstReceivedAt", ${iso('last_received_at')} AS "lastReceivedAt"
     FROM offline_batches ORDER BY first_received_at, batch_id`,
  );
  const offlineSales = await rows<FinalOfflineSale>(
    client,
    `SELECT sale_id AS "saleId", batch_id AS "batchId", order_id::text AS "orderId", store, terminal,
            ${iso('sold_at')} AS "soldAt", ${iso('applied_at')} AS "appliedAt"
     FROM offline_sales ORDER BY applied_at, sale_id`,
  );
  const serializedUnits = await rows<StoreFinalState['serializedUnits'][number]>(
    client,
    `SELECT epc, sku, order_id::text AS "orderId", status FROM serialized_units ORDER BY epc`,
  );
  const idempotencyKeys = await rows<StoreFinalState['idempotencyKeys'][number]>(
    client,
    `SELECT key, operation, status_code AS "statusCode" FROM idempotency_keys ORDER BY created_at, key`,
  );
  return {
    schemaVersion: 1,
    readAt: meta.read_at,
    readFromStandby: meta.in_recovery,
    skus,
    stock,
    orders,
    returns,
    refunds,
    ledger,
    backorders,
    webhookEvents,
    scanEvents,
    offlineBatches,
    offlineSales,
    serializedUnits,
    idempotencyKeys,
  };
}
