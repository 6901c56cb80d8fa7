// Reads Vendure's final state straight from its database (the oracle half of the
// target): per SKU the stock levels and the sum of each kind of stock movement,
// and every order with its lines and payments. One REPEATABLE READ snapshot, so
// stock and orders agree with each other. Table and column names are those
// TypeORM derives from Vendure's entities (core/src/entity/stock-level/,
// stock-movement/, order/, order-line/, payment/), checked against 3.7.3's schema.
import pg from 'pg';

export interface VendureStockRow {
  readonly sku: string;
  readonly variantId: string;
  /** TRUE, FALSE or INHERIT (from the channel/global setting). */
  readonly trackInventory: string;
  /** Summed over stock locations (the local target has only the default one). */
  readonly stockOnHand: number;
  readonly stockAllocated: number;
  /** What Vendure would still sell: onHand − allocated − the out-of-stock threshold (0 here). */
  readonly saleable: number;
  /** Sum of `quantity` per movement type (ALLOCATION, SALE, RELEASE, CANCELLATION, ADJUSTMENT, RETURN). */
  readonly movements: Readonly<Record<string, number>>;
}

export interface VendureOrderRow {
  readonly code: string;
  readonly id: string;
  readonly state: string;
  /** Vendure sets orderPlacedAt when the order leaves ArrangingPayment for a payment state. */
  readonly placed: boolean;
  readonly placedAt: string | null;
  readonly totalWithTax: number;
  readonly lines: readonly { sku: string; quantity: number; placedQuantity: number }[];
  readonly payments: readonly { id: string; method: string; state: string; amount: number }[];
}

export interface VendureState {
  readonly readAt: string;
  readonly stock: readonly VendureStockRow[];
  readonly orders: readonly VendureOrderRow[];
}

const STOCK_SQL = `
SELECT v.id::text AS "variantId", v.sku, v."trackInventory",
       COALESCE(sl.on_hand, 0)::int AS "stockOnHand", COALESCE(sl.allocated, 0)::int AS "stockAllocated",
       CASE WHEN v."useGlobalOutOfStockThreshold" THEN g."outOfStockThreshold" ELSE v."outOfStockThreshold" END AS threshold,
       COALESCE(m.by_type, '{}'::json) AS movements
FROM product_variant v
CROSS JOIN (SELECT "outOfStockThreshold" FROM global_settings LIMIT 1) g
LEFT JOIN (SELECT "productVariantId", SUM("stockOnHand") AS on_hand, SUM("stockAllocated") AS allocated
           FROM stock_level GROUP BY "productVariantId") sl ON sl."productVariantId" = v.id
LEFT JOIN (SELECT "productVariantId", json_object_agg(type, total) AS by_type
           FROM (SELECT "productVariantId", type, SUM(quantity)::int AS total FROM stock_movement
                 GROUP BY "productVariantId", type) t GROUP BY "productVariantId") m ON m."productVariantId" = v.id
WHERE v."deletedAt" IS NULL
ORDER BY v.sku`;

const ORDERS_SQL = `
SELECT o.id::text AS id, o.code, o.state, o."orderPlacedAt" AS "placedAt",
       (o."subTotalWithTax" + o."shippingWithTax")::int AS "totalWithTax",
       COALESCE((SELECT json_agg(json_build_object('sku', v.sku, 'quantity', l.quantity,
                                 'placedQuantity', l."orderPlacedQuantity") ORDER BY l.id)
                 FROM order_line l JOIN product_variant v ON v.id = l."productVariantId"
                 WHERE l."orderId" = o.id), '[]'::json) AS lines,
       COALESCE((SELECT json_agg(json_build_object('id', p.id::text, 'method', p.method, 'state', p.state,
                                 'amount', p.amount) ORDER BY p.id)
                 FROM payment p WHERE p."orderId" = o.id), '[]'::json) AS payments
FROM "order" o
ORDER BY o.id`;

/** Reads stock and orders from Vendure's database (e.g. `stack.postgres('postgres-a', 'direct', 'vendure')`). */
export async function readVendureState(config: pg.ClientConfig): Promise<VendureState> {
  const client = new pg.Client(config);
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const stock = await client.query(STOCK_SQL);
    const orders = await client.query(ORDERS_SQL);
    await client.query('COMMIT');
    return {
      readAt: new Date().toISOString(),
      stock: stock.rows.map(stockRow),
      orders: orders.rows.map(orderRow),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

function stockRow(r: Record<string, unknown>): VendureStockRow {
  const onHand = Number(r.stockOnHand);
  const allocated = Number(r.stockAllocated);
  return {
    sku: String(r.sku),
    variantId: String(r.variantId),
    trackInventory: String(r.trackInventory),
    stockOnHand: onHand,
    stockAllocated: allocated,
    saleable: onHand - allocated - Number(r.threshold ?? 0),
    movements: r.movements as Record<string, number>,
  };
}

function orderRow(r: Record<string, unknown>): VendureOrderRow {
  const placedAt = r.placedAt instanceof Date ? r.placedAt.toISOString() : null;
  return {
    id: String(r.id),
    code: String(r.code),
    state: String(r.state),
    placed: placedAt !== null,
    placedAt,
    totalWithTax: Number(r.totalWithTax),
    lines: r.lines as VendureOrderRow['lines'],
    payments: r.payments as VendureOrderRow['payments'],
  };
}
