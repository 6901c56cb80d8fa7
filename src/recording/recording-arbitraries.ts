// fast-check arbitraries for recording headers and events, for property
// tests of the writer, reader and inspector. Every value they produce is
// valid under recording-schema.ts.
import fc from 'fast-check';
import type { LineItem, RecordingEvent, RecordingHeader, Tender } from '../model/recording-schema.ts';
import { ADJUSTMENT_REASONS, CHANNELS, TENDER_TYPES } from '../model/recording-schema.ts';

const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/);
const sku = fc.integer({ min: 1, max: 999_999 }).map((n) => `SKU-${String(n).padStart(6, '0')}`);
const store = fc.integer({ min: 0, max: 999 }).map((n) => `S${String(n).padStart(3, '0')}`);
const cents = fc.integer({ min: 0, max: 10_000_000 });
const epc = fc.stringMatching(/^[0-9A-F]{24}$/);
const t = fc.oneof(fc.integer({ min: 0, max: 86_400_000 }), fc.double({ min: 0, max: 1e7, noNaN: true }));
const sequence = fc.integer({ min: 0, max: 1_000_000 });
const channel = fc.constantFrom(...CHANNELS);

const line: fc.Arbitrary<LineItem> = fc.oneof(
  fc.record({ sku, qty: fc.integer({ min: 1, max: 50 }), unitPriceCents: cents }),
  fc.record({ sku, qty: fc.constant(1), unitPriceCents: cents, epc }),
);
const lines = fc.array(line, { minLength: 1, maxLength: 5 });
const tender: fc.Arbitrary<Tender> = fc.record({
  type: fc.constantFrom(...TENDER_TYPES),
  amountCents: fc.integer({ min: 1, max: 10_000_000 }),
});
const tenders = (min: number) => fc.array(tender, { minLength: min, maxLength: 3 });

const order = fc.record(
  {
    t,
    kind: fc.constant('order' as const),
    id,
    channel,
    store,
    terminal: id,
    customer: fc.record(
      { id, email: fc.integer({ min: 1, max: 1e6 }).map((n) => `u${n}@example.com`) },
      { requiredKeys: ['id'] },
    ),
    lines,
    tenders: tenders(1),
    idempotencyKey: fc.uuid(),
    retryOf: id,
  },
  { requiredKeys: ['t', 'kind', 'id', 'channel', 'store', 'lines', 'tenders', 'idempotencyKey'] },
);

const returnEvent = fc.record(
  {
    t,
    kind: fc.constant('return' as const),
    id,
    orderRef: id,
    channel,
    store,
    terminal: id,
    lines,
    refunds: tenders(1),
    reason: fc.constantFrom('wrong-size', 'damaged'),
    idempotencyKey: fc.uuid(),
  },
  { requiredKeys: ['t', 'kind', 'id', 'orderRef', 'channel', 'store', 'lines', 'refunds', 'idempotencyKey'] },
);

const exchange = fc.record(
  {
    t,
    kind: fc.constant('exchange' as const),
    id,
    orderRef: id,
    channel,
    store,
    terminal: id,
    returnedLines: lines,
    newLines: lines,
    tenders: tenders(0),
    refunds: tenders(0),
    idempotencyKey: fc.uuid(),
  },
  {
    requiredKeys: [
      't',
      'kind',
      'id',
      'orderRef',
      'channel',
      'store',
      'returnedLines',
      'newLines',
      'tenders',
      'refunds',
      'idempotencyKey',
    ],
  },
);

const rfidRead = fc.record(
  {
    t,
    kind: fc.constant('rfid-read' as const),
    id,
    store,
    reader: id,
    epc,
    sku,
    rssi: fc.integer({ min: -90, max: -20 }),
  },
  { requiredKeys: ['t', 'kind', 'id', 'store', 'reader', 'epc', 'sku'] },
);

const cycleCount = fc.record({
  t,
  kind: fc.constant('cycle-count' as const),
  id,
  store,
  sku,
  countedQty: fc.integer({ min: 0, max: 10_000 }),
  sequence,
});

const receiving = fc.record(
  {
    t,
    kind: fc.constant('receiving' as const),
    id,
    store,
    sku,
    qty: fc.integer({ min: 1, max: 500 }),
    sequence,
    reference: id,
  },
  { requiredKeys: ['t', 'kind', 'id', 'store', 'sku', 'qty', 'sequence'] },
);

const adjustment = fc.record(
  {
    t,
    kind: fc.constant('barcode-adjustment' as const),
    id,
    store,
    sku,
    delta: fc.integer({ min: -20, max: 20 }).filter((d) => d !== 0),
    reason: fc.constantFrom(...ADJUSTMENT_REASONS),
    sequence,
    device: id,
  },
  { requiredKeys: ['t', 'kind', 'id', 'store', 'sku', 'delta', 'reason', 'sequence'] },
);

const webhookCommon = {
  t,
  kind: fc.constant('marketplace-webhook' as const),
  id,
  eventId: id,
  marketplace: fc.constantFrom('amazon', 'ebay'),
  sku,
  sequence,
  deliveryAttempt: fc.integer({ min: 1, max: 5 }),
};
const webhook = fc.oneof(
  fc.record({
    ...webhookCommon,
    eventType: fc.constant('inventory' as const),
    payload: fc.record({ availableQty: fc.integer({ min: 0, max: 10_000 }) }),
  }),
  fc.record({
    ...webhookCommon,
    eventType: fc.constant('order' as const),
    payload: fc.record({
      marketplaceOrderId: id,
      qty: fc.integer({ min: 1, max: 5 }),
      unitPriceCents: cents,
    }),
  }),
);

const priceChange = fc.record(
  { t, kind: fc.constant('price-change' as const), id, sku, priceCents: cents, store },
  { requiredKeys: ['t', 'kind', 'id', 'sku', 'priceCents'] },
);

export const recordingEventArbitrary: fc.Arbitrary<RecordingEvent> = fc.oneof(
  order,
  returnEvent,
  exchange,
  rfidRead,
  cycleCount,
  receiving,
  adjustment,
  webhook,
  priceChange,
);

export const recordingHeaderArbitrary: fc.Arbitrary<RecordingHeader> = fc
  .record(
    {
      type: fc.constant('header' as const),
      schemaVersion: fc.constant(1 as const),
      source: fc.constantFrom('generator:flash-sale', 'http-capture', 'kafka-capture'),
      startMs: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
      lengthMs: fc.integer({ min: 0, max: 86_400_000 }),
      stores: fc.integer({ min: 0, max: 999 }),
      skus: fc.integer({ min: 0, max: 999_999 }),
      seed: fc.integer({ min: 0, max: 0xffff_ffff }),
      profile: fc.constantFrom('flash-sale', 'steady-day'),
    },
    { requiredKeys: ['type', 'schemaVersion', 'source', 'startMs', 'lengthMs', 'stores', 'skus'] },
  )
  .map(({ startMs, lengthMs, ...rest }) => ({
    ...rest,
    startTime: new Date(startMs).toISOString(),
    endTime: new Date(startMs + lengthMs).toISOString(),
  }));

/** A small valid header for hand-written test recordings. */
export const SAMPLE_HEADER: RecordingHeader = {
  type: 'header',
  schemaVersion: 1,
  source: 'http-capture',
  startTime: '2025-11-28T14:00:00.000Z',
  endTime: '2025-11-28T14:01:00.000Z',
  stores: 2,
  skus: 100,
};
