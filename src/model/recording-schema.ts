// The recording format: an NDJSON file whose line 1 is a header and whose
// every other line is one business event. These zod schemas are the contract
// between recorders, the generator, the reader and the replay engine.
import { z } from 'zod';

export const RECORDING_SCHEMA_VERSION = 1;

// Identifiers are checked loosely (no spaces, bounded) rather than against the
// generator's `SKU-000123` / `S001` shapes, so captures from real systems load.
const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/, 'expected an identifier: letters, digits and ._:@/- only');
const cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const positiveCents = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const positiveQty = z.number().int().positive().max(1_000_000);
// SGTIN-96 and longer EPCs in hex, or the EPC pure-identity URI form.
const epc = z
  .string()
  .regex(/^(?:[0-9A-Fa-f]{24,64}|urn:epc:id:[a-z0-9]+:[A-Za-z0-9.%*-]+)$/, 'expected an EPC');

export const CHANNELS = ['web', 'pos', 'marketplace'] as const;
export const TENDER_TYPES = ['card', 'debit', 'gift_card', 'cash', 'store_credit'] as const;
export const ADJUSTMENT_REASONS = ['damaged', 'theft', 'found', 'correction'] as const;

export const channelSchema = z.enum(CHANNELS);
export const tenderTypeSchema = z.enum(TENDER_TYPES);

export const recordingHeaderSchema = z
  .strictObject({
    type: z.literal('header'),
    schemaVersion: z.literal(RECORDING_SCHEMA_VERSION),
    /** `generator:<profile>`, `http-capture`, `kafka-capture`, `postgres-capture`, ... */
    source: z.string().regex(/^[a-z][a-z0-9-]*(?::[A-Za-z0-9._-]+)?$/, 'expected e.g. generator:flash-sale'),
    startTime: z.iso.datetime({ offset: true }),
    endTime: z.iso.datetime({ offset: true }),
    stores: z.number().int().nonnegative(),
    skus: z.number().int().nonnegative(),
    seed: z.number().int().optional(),
    profile: z.string().min(1).optional(),
    /** A capture of real traffic: how it was masked and how complete it is. */
    capture: z
      .strictObject({
        masking: z.strictObject({
          policy: z.string().min(1),
          categories: z.array(z.string()),
          /** Values masked, by category. */
          masked: z.record(z.string(), z.number().int().nonnegative()),
        }),
        /** Exchanges or messages seen, recorded, decoded to events, kept raw, and missed. */
        counts: z.strictObject({
          seen: z.number().int().nonnegative(),
          recorded: z.number().int().nonnegative(),
          decoded: z.number().int().nonnegative(),
          raw: z.number().int().nonnegative(),
          missed: z.number().int().nonnegative(),
        }),
      })
      .optional(),
  })
  .refine((h) => Date.parse(h.endTime) >= Date.parse(h.startTime), {
    message: 'endTime is before startTime',
    path: ['endTime'],
  });

export const lineItemSchema = z
  .strictObject({
    sku: identifier,
    qty: positiveQty,
    unitPriceCents: cents,
    /** The serialized unit sold or returned; only on qty-1 lines of RFID-tagged SKUs. */
    epc: epc.optional(),
  })
  .refine((l) => l.epc === undefined || l.qty === 1, {
    message: 'a line with an epc must have qty 1',
    path: ['qty'],
  });

export const tenderSchema = z.strictObject({ type: tenderTypeSchema, amountCents: positiveCents });

export const customerSchema = z.strictObject({ id: identifier, email: z.email().optional() });

// Every event carries the envelope: `t` (ms after header.startTime), `kind`, `id`.
const envelope = {
  t: z.number().nonnegative().max(Number.MAX_SAFE_INTEGER),
  id: identifier,
};

export const orderEventSchema = z.strictObject({
  ...envelope,
  kind: z.literal('order'),
  channel: channelSchema,
  /** Selling or fulfilling location; online orders use the online location (S000 in generated recordings). */
  store: identifier,
  terminal: identifier.optional(),
  customer: customerSchema.optional(),
  lines: z.array(lineItemSchema).min(1).max(500),
  tenders: z.array(tenderSchema).min(1).max(10),
  /** Sent as the Idempotency-Key; a retry repeats its original's key. */
  idempotencyKey: z.string().min(1).max(128),
  /** Set on a client or bot retry: the `id` of the first attempt. */
  retryOf: identifier.optional(),
});

export const returnEventSchema = z.strictObject({
  ...envelope,
  kind: z.literal('return'),
  /** The `id` of the order event being returned. */
  orderRef: identifier,
  channel: channelSchema,
  store: identifier,
  terminal: identifier.optional(),
  lines: z.array(lineItemSchema).min(1).max(500),
  refunds: z.array(tenderSchema).min(1).max(10),
  reason: z.string().min(1).max(64).optional(),
  idempotencyKey: z.string().min(1).max(128),
});

export const exchangeEventSchema = z.strictObject({
  ...envelope,
  kind: z.literal('exchange'),
  orderRef: identifier,
  channel: channelSchema,
  store: identifier,
  terminal: identifier.optional(),
  returnedLines: z.array(lineItemSchema).min(1).max(500),
  newLines: z.array(lineItemSchema).min(1).max(500),
  /** What the customer paid on top (new lines dearer); may be empty. */
  tenders: z.array(tenderSchema).max(10),
  /** What went back to the customer (new lines cheaper); may be empty. */
  refunds: z.array(tenderSchema).max(10),
  idempotencyKey: z.string().min(1).max(128),
});

export const rfidReadEventSchema = z.strictObject({
  ...envelope,
  kind: z.literal('rfid-read'),
  store: identifier,
  reader: identifier,
  epc,
  sku: identifier,
  /** Received signal strength in dBm. */
  rssi: z.number().min(-127).max(20).optional(),
});

// Inventory events carry a `sequence` that increases per (store, sku) across
// cycle-count, receiving and barcode-adjustment, so an ordering checker can
// tell "count then receive" from "receive then count".
const sequence = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const cycleCountEventSchema = z.strictObject({
  ...envelope,
  kind: z.literal('cycle-count'),
  store: identifier,
  sku: identifier,
  countedQty: z.number().int().nonnegative(),
  sequence,
});

export const receivingEventSchema = z.strictObject({
  ...envelope,
  kind: z.literal('receiving'),
  store: identifier,
  sku: identifier,
  qty: positiveQty,
  sequence,
  /** Advance shipping notice or purchase order the carton belongs to. */
  reference: identifier.optional(),
});

export const barcodeAdjustmentEventSchema = z.strictObject({
  ...envelope,
  kind: z.literal('barcode-adjustment'),
  store: identifier,
  sku: identifier,
  delta: z
    .number()
    .int()
    .min(-1_000_000)
    .max(1_000_000)
    .refine((d) => d !== 0, 'delta must not be 0'),
  reason: z.enum(ADJUSTMENT_REASONS),
  sequence,
  device: identifier.optional(),
});

const webhookEnvelope = {
  ...envelope,
  kind: z.literal('marketplace-webhook'),
  /** The marketplace's own event id: redeliveries repeat it, so it is the idempotency key. */
  eventId: identifier,
  marketplace: identifier,
  sku: identifier,
  /** Increases per (marketplace, sku) in creation order; deliveries may arrive out of it. */
  sequence,
  /** 1 for the first delivery, 2+ for at-least-once redeliveries. */
  deliveryAttempt: z.number().int().min(1).max(1000),
};

export const marketplaceWebhookEventSchema = z.discriminatedUnion('eventType', [
  z.strictObject({
    ...webhookEnvelope,
    eventType: z.literal('inventory'),
    /** The listing quantity the marketplace reports for this SKU. */
    payload: z.strictObject({ availableQty: z.number().int().nonnegative() }),
  }),
  z.strictObject({
    ...webhookEnvelope,
    eventType: z.literal('order'),
    /** A marketplace sale: the SUT must take the stock exactly once per eventId. */
    payload: z.strictObject({ marketplaceOrderId: identifier, qty: positiveQty, unitPriceCents: cents }),
  }),
]);

export const priceChangeEventSchema = z.strictObject({
  ...envelope,
  kind: z.literal('price-change'),
  sku: identifier,
  priceCents: cents,
  /** Omitted: the price applies in every store and online. */
  store: identifier.optional(),
});

export const recordingEventSchema = z.discriminatedUnion('kind', [
  orderEventSchema,
  returnEventSchema,
  exchangeEventSchema,
  rfidReadEventSchema,
  cycleCountEventSchema,
  receivingEventSchema,
  barcodeAdjustmentEventSchema,
  marketplaceWebhookEventSchema,
  priceChangeEventSchema,
]);

export const RECORDING_EVENT_KINDS = [
  'order',
  'return',
  'exchange',
  'rfid-read',
  'cycle-count',
  'receiving',
  'barcode-adjustment',
  'marketplace-webhook',
  'price-change',
] as const;

export type Channel = z.infer<typeof channelSchema>;
export type TenderType = z.infer<typeof tenderTypeSchema>;
export type RecordingHeader = z.infer<typeof recordingHeaderSchema>;
export type LineItem = z.infer<typeof lineItemSchema>;
export type Tender = z.infer<typeof tenderSchema>;
export type Customer = z.infer<typeof customerSchema>;
export type RecordingEvent = z.infer<typeof recordingEventSchema>;
export type RecordingEventKind = RecordingEvent['kind'];
export type OrderEvent = z.infer<typeof orderEventSchema>;
export type ReturnEvent = z.infer<typeof returnEventSchema>;
export type ExchangeEvent = z.infer<typeof exchangeEventSchema>;
export type RfidReadEvent = z.infer<typeof rfidReadEventSchema>;
export type CycleCountEvent = z.infer<typeof cycleCountEventSchema>;
export type ReceivingEvent = z.infer<typeof receivingEventSchema>;
export type BarcodeAdjustmentEvent = z.infer<typeof barcodeAdjustmentEventSchema>;
export type MarketplaceWebhookEvent = z.infer<typeof marketplaceWebhookEventSchema>;
export type PriceChangeEvent = z.infer<typeof priceChangeEventSchema>;
