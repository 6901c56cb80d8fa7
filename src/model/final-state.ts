// The oracle's final state: what the SUT holds after the run, per region, in
// the shape the checkers read (state.json in the run directory). A contract
// between any oracle adapter (SQL for the reference store, HTTP for others) and
// the checkers; nothing here names a table or a vendor.
import { z } from 'zod';

const id = z.string().min(1);
const int = z.int();

export const finalLineSchema = z.object({
  sku: id,
  qty: z.int().positive(),
  epc: id.nullable().default(null),
  /** Units of an offline sale that stock could not cover (not taken from stock). */
  backorderedQty: z.int().min(0).default(0),
  /** Units since returned (restocked). */
  returnedQty: z.int().min(0).default(0),
});

export const finalTenderSchema = z.object({
  tenderId: id.optional(),
  type: id,
  amountCents: z.int().min(0),
});

export const finalOrderSchema = z.object({
  orderId: id,
  /** The checkout's idempotency key; null for orders made another way (offline, exchange). */
  idempotencyKey: id.nullable().default(null),
  /** The offline sale this order records, if any. */
  offlineSaleId: id.nullable().default(null),
  channel: z.string().default('unknown'),
  store: z.string().optional(),
  /** completed, backordered, cancelled… (the SUT's words). */
  status: z.string().default('completed'),
  lines: z.array(finalLineSchema),
  /** In the order they were taken (a refund policy such as last-tender-first reads this order). */
  tenders: z.array(finalTenderSchema),
});

export const finalReturnSchema = z.object({
  returnId: id,
  orderId: id,
  idempotencyKey: id.nullable().default(null),
  exchangeOrderId: id.nullable().default(null),
});

export const finalRefundSchema = z.object({
  returnId: id.optional(),
  orderId: id,
  /** The order tender paid back; matched by id when given, else by `tender` type. */
  tenderId: id.optional(),
  tender: id,
  amountCents: z.int().min(0),
  /** The return's idempotency key. */
  idempotencyKey: id.nullable().default(null),
});

export const finalStockSchema = z.object({ sku: id, store: z.string(), onHand: int });

/** Stock made available to sell: seeded catalog, receiving, adjustments (negative = shrinkage). Not returns. */
export const finalAvailabilitySchema = z.object({
  sku: id,
  store: z.string().optional(),
  qty: int,
  source: z.string().default('seed'),
});

export const finalLedgerEntrySchema = z.object({
  /** Application order (increasing); per SKU and store, the order changes took effect. */
  seq: int,
  /**
   * When the entry was written (ISO-8601 UTC, the target's clock); absent when the oracle cannot
   * say. The event-stream checker gives a publisher's latency its due from here, and the
   * count-integrity checker places each count against it.
   */
  at: z.string().optional(),
  sku: id,
  store: z.string(),
  delta: int,
  /** seed, sale, offline-sale, return, exchange, marketplace, cycle-count, receiving, adjustment… */
  reason: z.string(),
  /** What caused it: order, offline-sale, return, webhook, scan, seed… and that thing's id. */
  refType: z.string(),
  refId: z.string(),
  idempotencyKey: id.nullable().default(null),
  batchId: id.nullable().default(null),
  /** Events with a per-SKU order: which sequence (stream, e.g. scans or webhooks) and its number. */
  stream: z.string().optional(),
  sequence: int.optional(),
  /** The entry set stock to a counted level (a cycle count) rather than changing it by `delta`. */
  absolute: z.boolean().default(false),
});

export const finalEventSchema = z.object({
  eventId: id,
  sku: id,
  store: z.string().optional(),
  sequence: int,
  kind: z.string().optional(),
  /** applied, duplicate, stale… what the first delivery did. */
  outcome: z.string().default('applied'),
  /** Times its effect was applied: at most 1. */
  applications: z.int().min(0),
});

export const finalOfflineSaleSchema = z.object({
  saleId: id,
  batchId: id,
  orderId: id.nullable().default(null),
  backorderedQty: z.int().min(0).default(0),
  /** Times it was applied: exactly 1. */
  applications: z.int().min(0).default(1),
});

export const finalSerializedUnitSchema = z.object({
  epc: id,
  sku: id.optional(),
  /** Every order that sold this unit and still holds it (not returned). */
  orderIds: z.array(id),
});

/** The collections of a region an oracle may read; a region's `read` lists those it did. */
export const REGION_COLLECTIONS = [
  'skus',
  'orders',
  'returns',
  'refunds',
  'stock',
  'available',
  'ledger',
  'webhookEvents',
  'scans',
  'offlineSales',
  'serializedUnits',
] as const;
export type RegionCollection = (typeof REGION_COLLECTIONS)[number];

/**
 * How a target splits a refund over an order's tenders. last-tender-first: the
 * tender taken last is paid back first, each up to what it has left (the usual till
 * policy, and the reference store's); first-tender-first: the reverse;
 * proportional: each tender in proportion to what it took (to the cent per refund).
 */
export const REFUND_POLICIES = ['last-tender-first', 'first-tender-first', 'proportional'] as const;
export type RefundPolicy = (typeof REFUND_POLICIES)[number];

export const regionStateSchema = z.object({
  region: id,
  /**
   * The collections the oracle read. One left out was not read: its list is empty
   * because nothing is known, not because there is nothing. Absent in a state.json
   * written before it existed: parseFinalState then takes the collections the file
   * names (see withReadCoverage); absent on an object built in code: all were read.
   */
  read: z.array(z.enum(REGION_COLLECTIONS)).optional(),
  role: z.enum(['primary', 'standby', 'unknown']).default('unknown'),
  /** The catalog's SKUs (the drift rate's denominator); derived from stock when empty. */
  skus: z.array(id).default([]),
  orders: z.array(finalOrderSchema).default([]),
  returns: z.array(finalReturnSchema).default([]),
  refunds: z.array(finalRefundSchema).default([]),
  stock: z.array(finalStockSchema).default([]),
  /** Omitted when the oracle cannot tell: the oversell checker then relies on the ledger and stock. */
  available: z.array(finalAvailabilitySchema).optional(),
  ledger: z.array(finalLedgerEntrySchema).default([]),
  webhookEvents: z.array(finalEventSchema).default([]),
  scans: z.array(finalEventSchema).default([]),
  offlineSales: z.array(finalOfflineSaleSchema).default([]),
  serializedUnits: z.array(finalSerializedUnitSchema).default([]),
});

export const finalStateSchema = z
  .object({
    schemaVersion: z.literal(1),
    readAt: z.string().optional(),
    /** The target's refund allocation policy (one of REFUND_POLICIES); absent when the oracle cannot say. */
    refundPolicy: z.string().optional(),
    /** The region whose state is the truth after the run: the survivor, or the primary at the end. */
    authoritativeRegion: id,
    regions: z.record(z.string(), regionStateSchema),
  })
  .refine((s) => s.regions[s.authoritativeRegion] !== undefined, {
    message: 'authoritativeRegion names a region that is not in regions',
    path: ['authoritativeRegion'],
  });

export type FinalLine = z.output<typeof finalLineSchema>;
export type FinalTender = z.output<typeof finalTenderSchema>;
export type FinalOrder = z.output<typeof finalOrderSchema>;
export type FinalReturn = z.output<typeof finalReturnSchema>;
export type FinalRefund = z.output<typeof finalRefundSchema>;
export type FinalStock = z.output<typeof finalStockSchema>;
export type FinalAvailability = z.output<typeof finalAvailabilitySchema>;
export type FinalLedgerEntry = z.output<typeof finalLedgerEntrySchema>;
export type FinalEvent = z.output<typeof finalEventSchema>;
export type FinalOfflineSale = z.output<typeof finalOfflineSaleSchema>;
export type FinalSerializedUnit = z.output<typeof finalSerializedUnitSchema>;
export type RegionState = z.output<typeof regionStateSchema>;
export type FinalState = z.output<typeof finalStateSchema>;
/** What an oracle writes: defaults may be left out. */
export type FinalStateInput = z.input<typeof finalStateSchema>;

/**
 * A region without `read` (state.json from before it existed) is taken to have read
 * exactly the collections it names: an oracle writes what it read, and a list it
 * left out is unknown, never "none". Every oracle so far wrote all its lists, so old
 * runs keep their meaning; a hand-written or partial file loses nothing it did not say.
 */
export function withReadCoverage(json: unknown): unknown {
  const state = asRecord(json);
  const regions = asRecord(state?.regions);
  if (state === undefined || regions === undefined) return json;
  const out: Record<string, unknown> = {};
  for (const [name, region] of Object.entries(regions)) {
    const r = asRecord(region);
    out[name] =
      r === undefined || r.read !== undefined
        ? region
        : { ...r, read: REGION_COLLECTIONS.filter((c) => r[c] !== undefined) };
  }
  return { ...state, regions: out };
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** state.json as a file holds it: coverage derived where the file predates `read`, then validated. */
export const finalStateFileSchema = z.preprocess(withReadCoverage, finalStateSchema);

/** Validates state.json (defaults filled in, coverage derived); throws a zod error naming the field. */
export function parseFinalState(json: unknown): FinalState {
  return finalStateFileSchema.parse(json);
}

/**
 * Whether the oracle read `collection` of this region, so an empty list means none.
 * `available` also needs the list itself (it has no default).
 */
export function wasRead(region: RegionState, collection: RegionCollection): boolean {
  if (collection === 'available' && region.available === undefined) return false;
  return region.read === undefined || region.read.includes(collection);
}

/** The surviving region's state, or undefined when the oracle could not read it. */
export function authoritativeState(state: FinalState | undefined): RegionState | undefined {
  return state?.regions[state.authoritativeRegion];
}

/** A region with nothing in it; oracles and tests fill in what they have. */
export function emptyRegionState(region: string): RegionState {
  return {
    region,
    role: 'unknown',
    skus: [],
    orders: [],
    returns: [],
    refunds: [],
    stock: [],
    ledger: [],
    webhookEvents: [],
    scans: [],
    offlineSales: [],
    serializedUnits: [],
  };
}
