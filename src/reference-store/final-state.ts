// The reference store's final state as the oracle reads it after a run: every
// order, refund, stock row, ledger entry and processed event, in plain JSON
// types (numbers, ISO-8601 UTC strings) so checkers need nothing from PostgreSQL.

export type FinalTenderKind = 'card' | 'debit' | 'gift_card' | 'cash' | 'store_credit';

export interface FinalOrderLine {
  readonly lineNo: number;
  readonly sku: string;
  readonly qty: number;
  readonly unitPriceCents: number;
  readonly epc: string | null;
  /** Units of an offline sale that stock could not cover. */
  readonly backorderedQty: number;
  readonly returnedQty: number;
}

export interface FinalTender {
  readonly tenderId: string;
  readonly seq: number;
  readonly kind: FinalTenderKind;
  readonly amountCents: number;
  /** The tender's own counter; compare with the sum of `refunds` for it. */
  readonly refundedCents: number;
}

export interface FinalOrder {
  readonly orderId: string;
  /** Checkout's Idempotency-Key; null for exchange and offline orders. */
  readonly idempotencyKey: string | null;
  readonly offlineSaleId: string | null;
  readonly channel: 'web' | 'pos' | 'marketplace';
  readonly store: string;
  readonly terminal: string | null;
  readonly status: 'completed' | 'backordered';
  readonly totalCents: number;
  /** The region whose store wrote it ('a' or 'b'). */
  readonly region: string;
  readonly createdAt: string;
  readonly lines: FinalOrderLine[];
  readonly tenders: FinalTender[];
}

export interface FinalReturn {
  readonly returnId: string;
  readonly orderId: string;
  readonly idempotencyKey: string | null;
  readonly store: string;
  readonly terminal: string | null;
  readonly returnCents: number;
  readonly refundCents: number;
  readonly exchangeOrderId: string | null;
  readonly region: string;
  readonly createdAt: string;
  readonly lines: { orderLineNo: number; sku: string; qty: number; unitPriceCents: number }[];
}

export interface FinalRefund {
  readonly refundId: number;
  readonly returnId: string;
  readonly orderId: string;
  readonly tenderId: string;
  readonly amountCents: number;
  readonly createdAt: string;
}

export interface FinalLedgerEntry {
  /** Increasing; per SKU and store it follows the order in which the changes took the stock row lock. */
  readonly id: number;
  readonly at: string;
  readonly sku: string;
  readonly store: string;
  readonly delta: number;
  readonly onHandAfter: number;
  readonly reason:
    | 'seed'
    | 'sale'
    | 'offline-sale'
    | 'return'
    | 'exchange'
    | 'marketplace'
    | 'cycle-count'
    | 'receiving'
    | 'adjustment';
  /** 'order' | 'offline-sale' | 'return' | 'webhook' | 'scan' | 'seed', and the id it names. */
  readonly refType: string;
  readonly refId: string;
  readonly idempotencyKey: string | null;
  readonly region: string;
  /** Whether the relay has put it on inventory-events yet. */
  readonly published: boolean;
}

export type FinalEventOutcome = 'applied' | 'duplicate' | 'stale' | 'unknown-sku';

export interface FinalWebhookEvent {
  readonly eventId: string;
  readonly type: string;
  readonly sku: string;
  readonly store: string;
  readonly qty: number;
  readonly sequence: number;
  readonly marketplaceOrderId: string | null;
  /** What the first delivery did. */
  readonly outcome: FinalEventOutcome;
  readonly deliveries: number;
  /** Times its effect was applied: at most 1 in a correct store. */
  readonly applications: number;
  readonly firstReceivedAt: string;
  readonly lastReceivedAt: string;
}

export interface FinalScanEvent {
  readonly scanId: string;
  readonly kind: 'cycle-count' | 'receiving' | 'adjustment';
  readonly sku: string;
  readonly store: string;
  readonly qty: number;
  readonly sequence: number;
  readonly outcome: FinalEventOutcome;
  readonly deliveries: number;
  readonly applications: number;
  readonly kafkaPartition: number | null;
  readonly kafkaOffset: string | null;
  readonly firstReceivedAt: string;
}

export interface FinalOfflineBatch {
  readonly batchId: string;
  readonly store: string;
  readonly terminal: string;
  readonly saleCount: number;
  /** Uploads received, retries included. */
  readonly uploads: number;
  readonly firstReceivedAt: string;
  readonly lastReceivedAt: string;
}

export interface FinalOfflineSale {
  readonly saleId: string;
  readonly batchId: string;
  readonly orderId: string;
  readonly store: string;
  readonly terminal: string;
  readonly soldAt: string;
  readonly appliedAt: string;
}

export interface FinalBackorder {
  readonly id: number;
  readonly sku: string;
  readonly store: string;
  readonly qty: number;
  readonly refType: 'offline-sale' | 'webhook';
  readonly refId: string;
  readonly orderId: string | null;
}

export interface StoreFinalState {
  readonly schemaVersion: 1;
  readonly readAt: string;
  /** Whether the database read was a standby (recovery) at read time. */
  readonly readFromStandby: boolean;
  readonly skus: { sku: string; name: string; priceCents: number; serialized: boolean }[];
  readonly stock: { sku: string; store: string; onHand: number }[];
  readonly orders: FinalOrder[];
  readonly returns: FinalReturn[];
  readonly refunds: FinalRefund[];
  readonly ledger: FinalLedgerEntry[];
  readonly backorders: FinalBackorder[];
  readonly webhookEvents: FinalWebhookEvent[];
  readonly scanEvents: FinalScanEvent[];
  readonly offlineBatches: FinalOfflineBatch[];
  readonly offlineSales: FinalOfflineSale[];
  readonly serializedUnits: { epc: string; sku: string; orderId: string; status: 'sold' | 'returned' }[];
  /** Every stored idempotency outcome, so replays can be told from first answers. */
  readonly idempotencyKeys: { key: string; operation: string; statusCode: number | null }[];
}
