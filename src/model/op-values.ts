// The `value` of each op function as simulators record it in the history: the
// request on `invoke`, the SUT's answer on `ok`. A contract between the
// simulators (which write these) and the checkers (which read them); shapes are
// small and SUT-neutral, so an adapter for another store can produce the same.
import { z } from 'zod';

/** Op function names (`f` in the history) the checkers understand. */
export const OP = {
  checkout: 'checkout',
  return: 'return',
  exchange: 'exchange',
  offlineSync: 'offline-sync',
  webhook: 'webhook',
  scan: 'scan',
  readStock: 'read-stock',
} as const;
export type OpName = (typeof OP)[keyof typeof OP];

/** Probe names (`probe` in the history) the checkers read. */
export const PROBE = {
  /** A small checkout per region, every 100 ms by default: availability and RTO. */
  checkout: 'checkout-probe',
  /** A write in one region timed until it is visible in the other. */
  propagation: 'propagation',
  /** A migration's change data capture: how far green trails blue (bytes of WAL, and time). */
  cdcLag: 'cdc-lag',
} as const;

const id = z.string().min(1);
const qty = z.int().positive();
const cents = z.int().min(0);

export const tenderValueSchema = z.object({
  /** card, debit, gift_card, cash, store_credit… any name the SUT uses. */
  type: id,
  amountCents: cents,
  /** The SUT's id of this tender when it answers with one (refunds name it). */
  tenderId: id.optional(),
});
export type TenderValue = z.infer<typeof tenderValueSchema>;

export const lineValueSchema = z.object({
  sku: id,
  qty,
  /** The serialized unit (RFID EPC) a qty-1 line sells or returns. */
  epc: id.optional(),
});
export type LineValue = z.infer<typeof lineValueSchema>;

// ---- checkout -------------------------------------------------------------
export const checkoutInvokeSchema = z.object({
  channel: id,
  store: id,
  terminal: id.optional(),
  lines: z.array(lineValueSchema).min(1),
  tenders: z.array(tenderValueSchema).min(1),
  /** Sent as the Idempotency-Key; a retry repeats it. */
  idempotencyKey: id,
});
export const checkoutOkSchema = z.object({
  orderId: id,
  lines: z.array(lineValueSchema),
  totalCents: cents,
  tenders: z.array(tenderValueSchema),
  /** The region whose store acknowledged it. */
  region: id.optional(),
});
export type CheckoutInvokeValue = z.infer<typeof checkoutInvokeSchema>;
export type CheckoutOkValue = z.infer<typeof checkoutOkSchema>;

// ---- return / exchange ----------------------------------------------------
export const returnInvokeSchema = z.object({
  orderId: id,
  store: id.optional(),
  lines: z.array(lineValueSchema).min(1),
  idempotencyKey: id,
  /** Exchange only: the items handed over instead. */
  newLines: z.array(lineValueSchema).optional(),
  /** Exchange only: what the customer pays on top. */
  tenders: z.array(tenderValueSchema).optional(),
});
export const exchangeInvokeSchema = returnInvokeSchema.extend({ newLines: z.array(lineValueSchema).min(1) });
export const returnOkSchema = z.object({
  returnId: id.optional(),
  orderId: id,
  /** Money back, per tender of the original order. */
  refunds: z.array(tenderValueSchema),
  exchangeOrderId: id.optional(),
  region: id.optional(),
});
export type ReturnInvokeValue = z.infer<typeof returnInvokeSchema>;
export type ExchangeInvokeValue = z.infer<typeof exchangeInvokeSchema>;
export type ReturnOkValue = z.infer<typeof returnOkSchema>;

// ---- offline-sync ---------------------------------------------------------
export const offlineSaleValueSchema = z.object({
  saleId: id,
  lines: z.array(lineValueSchema).min(1),
  tenders: z.array(tenderValueSchema).min(1),
});
export const offlineSyncInvokeSchema = z.object({
  terminal: id,
  store: id.optional(),
  batchId: id,
  sales: z.array(offlineSaleValueSchema).min(1),
});
export const OFFLINE_SALE_STATUSES = ['applied', 'backordered', 'duplicate'] as const;
export const offlineSyncOkSchema = z.object({
  batchId: id,
  sales: z.array(
    z.object({
      saleId: id,
      /** applied; applied with units backordered; duplicate = applied by an earlier upload. */
      status: z.enum(OFFLINE_SALE_STATUSES),
      orderId: id.optional(),
      backordered: z.array(z.object({ sku: id, qty })).optional(),
    }),
  ),
});
export type OfflineSaleValue = z.infer<typeof offlineSaleValueSchema>;
export type OfflineSyncInvokeValue = z.infer<typeof offlineSyncInvokeSchema>;
export type OfflineSyncOkValue = z.infer<typeof offlineSyncOkSchema>;

// ---- webhook --------------------------------------------------------------
export const webhookInvokeSchema = z
  .object({
    /** The marketplace's event id: redeliveries repeat it. */
    eventId: id,
    sku: id,
    store: id.optional(),
    /** Per SKU, increasing in the marketplace's own order. */
    sequence: z.int().min(0),
    /** order.placed, order.cancelled, inventory.adjusted, inventory… */
    kind: id,
    /** A change in units (sale −, cancel +) … */
    delta: z.int().optional(),
    /** … or a level the SKU is set to. Exactly one of the two. */
    absolute: z.int().min(0).optional(),
  })
  .refine((v) => (v.delta === undefined) !== (v.absolute === undefined), {
    message: 'give exactly one of delta or absolute',
    path: ['delta'],
  });
/** `queued`: taken durably for later (a cutover's freeze window), not applied yet. */
export const WEBHOOK_OUTCOMES = ['applied', 'duplicate', 'stale', 'queued'] as const;
export const webhookOkSchema = z.object({ outcome: z.enum(WEBHOOK_OUTCOMES) });
export type WebhookInvokeValue = z.infer<typeof webhookInvokeSchema>;
export type WebhookOkValue = z.infer<typeof webhookOkSchema>;

// ---- scan (a Kafka publish: ok = the broker took it) -----------------------
export const SCAN_KINDS = ['cycle-count', 'receiving', 'adjustment'] as const;
export const scanInvokeSchema = z.object({
  scanId: id.optional(),
  store: id,
  sku: id,
  /** Per SKU and store, increasing. */
  sequence: z.int().min(0),
  kind: z.enum(SCAN_KINDS),
  /** Counted units (cycle-count), received units, or a signed adjustment. */
  qty: z.int(),
  /**
   * Cycle count: how long the reader held the count before sending it (a lost link, a
   * batch flush). The shelf was counted this long before the send; absent = at the send.
   */
  heldMs: z.number().min(0).optional(),
});
export const scanOkSchema = z.object({ partition: z.int().optional(), offset: z.string().optional() });
export type ScanInvokeValue = z.infer<typeof scanInvokeSchema>;
export type ScanOkValue = z.infer<typeof scanOkSchema>;

// ---- read-stock -----------------------------------------------------------
export const readStockInvokeSchema = z.object({ sku: id, store: id.optional(), region: id.optional() });
export const readStockOkSchema = z.object({
  sku: id,
  total: z.int(),
  stores: z.record(z.string(), z.int()).optional(),
});
export type ReadStockInvokeValue = z.infer<typeof readStockInvokeSchema>;
export type ReadStockOkValue = z.infer<typeof readStockOkSchema>;

// ---- probe values (the `value` of a probe entry; its `ok` and `region` are on the entry) --
export const checkoutProbeValueSchema = z.object({
  sku: id.optional(),
  orderId: id.optional(),
  error: z.string().optional(),
});
export const propagationProbeValueSchema = z.object({
  /** What was written (a SKU or a marker key). */
  key: id.optional(),
  from: id,
  to: id,
  /** Run-clock ns: when the write was acknowledged in `from`… */
  writtenNs: z.int().min(0),
  /** …and when a read in `to` first saw it; absent when it never did within the sample's deadline. */
  visibleNs: z.int().min(0).optional(),
});
export type CheckoutProbeValue = z.infer<typeof checkoutProbeValueSchema>;
export type PropagationProbeValue = z.infer<typeof propagationProbeValueSchema>;

/** Invoke and ok schemas per op function, for simulators that validate what they record. */
export const opValueSchemas = {
  [OP.checkout]: { invoke: checkoutInvokeSchema, ok: checkoutOkSchema },
  [OP.return]: { invoke: returnInvokeSchema, ok: returnOkSchema },
  [OP.exchange]: { invoke: exchangeInvokeSchema, ok: returnOkSchema },
  [OP.offlineSync]: { invoke: offlineSyncInvokeSchema, ok: offlineSyncOkSchema },
  [OP.webhook]: { invoke: webhookInvokeSchema, ok: webhookOkSchema },
  [OP.scan]: { invoke: scanInvokeSchema, ok: scanOkSchema },
  [OP.readStock]: { invoke: readStockInvokeSchema, ok: readStockOkSchema },
} as const;
