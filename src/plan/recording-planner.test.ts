import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitPlanByDevice } from '../engines/worker-pool-engine.ts';
import { OP, opValueSchemas } from '../model/op-values.ts';
import { firstUnsortedIndex } from '../model/planned-op.ts';
import type { RecordingEvent, RecordingHeader } from '../model/recording-schema.ts';
import { recordingEventArbitrary, SAMPLE_HEADER } from '../recording/recording-arbitraries.ts';
import { deviceOf, shardIndexOf } from './device-ids.ts';
import { planRecording, planRecordingStream } from './recording-planner.ts';

const HEADER: RecordingHeader = { ...SAMPLE_HEADER, endTime: '2025-11-28T14:10:00.000Z' };
const KEY = '6b1f3c1e-0f7a-4c55-9d1e-2a3b4c5d6e7f';

const EVENTS: RecordingEvent[] = [
  {
    t: 1_000,
    kind: 'order',
    id: 'ord-1',
    channel: 'web',
    store: 'S000',
    customer: { id: 'cust-9' },
    lines: [{ sku: 'SKU-000001', qty: 2, unitPriceCents: 1_999 }],
    tenders: [{ type: 'card', amountCents: 3_998 }],
    idempotencyKey: KEY,
  },
  {
    t: 1_000,
    kind: 'order',
    id: 'ord-2',
    channel: 'pos',
    store: 'S001',
    terminal: 'S001-L02',
    lines: [{ sku: 'SKU-000002', qty: 1, unitPriceCents: 500, epc: '30340242201D8C4000000001' }],
    tenders: [{ type: 'cash', amountCents: 500 }],
    idempotencyKey: 'key-2',
  },
  { t: 2_000, kind: 'price-change', id: 'pc-1', sku: 'SKU-000001', priceCents: 1_499 },
  {
    t: 3_000,
    kind: 'marketplace-webhook',
    id: 'wh-1',
    eventId: 'mkt-a-1',
    marketplace: 'mkt-a',
    sku: 'SKU-000003',
    sequence: 1,
    deliveryAttempt: 1,
    eventType: 'order',
    payload: { marketplaceOrderId: 'MO-1', qty: 2, unitPriceCents: 700 },
  },
  {
    t: 3_500,
    kind: 'marketplace-webhook',
    id: 'wh-2',
    eventId: 'mkt-a-2',
    marketplace: 'mkt-a',
    sku: 'SKU-000003',
    sequence: 2,
    deliveryAttempt: 1,
    eventType: 'inventory',
    payload: { availableQty: 40 },
  },
  { t: 4_000, kind: 'cycle-count', id: 'cc-1', store: 'S001', sku: 'SKU-000004', countedQty: 7, sequence: 3 },
  { t: 4_000, kind: 'receiving', id: 'rc-1', store: 'S001', sku: 'SKU-000004', qty: 12, sequence: 4 },
  {
    t: 4_500,
    kind: 'barcode-adjustment',
    id: 'adj-1',
    store: 'S001',
    sku: 'SKU-000004',
    delta: -1,
    reason: 'damaged',
    sequence: 5,
    device: 'HH-7',
  },
  {
    t: 5_000,
    kind: 'rfid-read',
    id: 'rd-1',
    store: 'S001',
    reader: 'S001-RFID-2',
    epc: '30340242201D8C4000000009',
    sku: 'SKU-000004',
  },
  {
    t: 200_000,
    kind: 'return',
    id: 'ret-1',
    orderRef: 'ord-1',
    channel: 'web',
    store: 'S000',
    lines: [{ sku: 'SKU-000001', qty: 1, unitPriceCents: 1_999 }],
    refunds: [{ type: 'card', amountCents: 1_999 }],
    idempotencyKey: 'ret-key-1',
  },
  {
    t: 201_000,
    kind: 'exchange',
    id: 'exc-1',
    orderRef: 'ord-2',
    channel: 'pos',
    store: 'S001',
    terminal: 'S001-L03',
    returnedLines: [{ sku: 'SKU-000002', qty: 1, unitPriceCents: 500, epc: '30340242201D8C4000000001' }],
    newLines: [{ sku: 'SKU-000005', qty: 1, unitPriceCents: 800 }],
    tenders: [{ type: 'cash', amountCents: 300 }],
    refunds: [],
    idempotencyKey: 'exc-key-1',
  },
  {
    t: 202_000,
    kind: 'return',
    id: 'ret-2',
    orderRef: 'ord-unknown',
    channel: 'pos',
    store: 'S001',
    lines: [{ sku: 'SKU-000009', qty: 1, unitPriceCents: 100 }],
    refunds: [{ type: 'cash', amountCents: 100 }],
    idempotencyKey: 'ret-key-2',
  },
];

describe('planRecording', () => {
  it('turns each event into one op of one device, with op-values shapes', () => {
    const plan = planRecording(HEADER, EVENTS, { devices: { webShoppers: 10 } });
    expect(plan.ops.map((o) => [o.atMs, o.f, o.process])).toEqual([
      [1_000, OP.checkout, expect.stringMatching(/^web:shopper-\d+$/)],
      [1_000, OP.checkout, 'pos:S001:lane-2'],
      [3_000, OP.webhook, 'webhook:mkt-a'],
      [3_500, OP.webhook, 'webhook:mkt-a'],
      [4_000, OP.scan, expect.stringMatching(/^rfid:S001:reader-[12]$/)],
      [4_000, OP.scan, 'scanner:S001:scanner-1'],
      [4_500, OP.scan, 'scanner:S001:HH-7'],
      [200_000, OP.return, plan.ops[0]!.process],
      [201_000, OP.exchange, 'pos:S001:lane-3'],
    ]);
    expect(plan.skipped).toEqual({ 'price-change': 1, 'rfid-read': 1, 'return-without-order': 1 });
    expect(plan.counts).toEqual({ events: 12, inWindow: 12, planned: 9, otherShards: 0 });
    expect(plan.durationMs).toBe(600_000);
    for (const op of plan.ops) {
      const schemas = opValueSchemas[op.f as keyof typeof opValueSchemas];
      expect(schemas.invoke.safeParse(op.value).success, `${op.f} ${JSON.stringify(op.value)}`).toBe(true);
    }
    expect(plan.ops[0]!.value).toEqual({
      channel: 'web',
      store: 'S000',
      lines: [{ sku: 'SKU-000001', qty: 2 }],
      tenders: [{ type: 'card', amountCents: 3_998 }],
      idempotencyKey: KEY,
    });
    expect(plan.ops[2]!.value).toEqual({
      eventId: 'mkt-a-1',
      sku: 'SKU-000003',
      store: 'S000',
      sequence: 1,
      kind: 'order.placed',
      delta: -2,
    });
    expect(plan.ops[3]!.value).toMatchObject({ kind: 'inventory', absolute: 40 });
    expect(plan.ops[6]!.value).toMatchObject({ scanId: 'adj-1', kind: 'adjustment', qty: -1, sequence: 5 });
    // The SUT's order id is known only at run time: the op names the order's key for the fleet.
    expect(plan.ops[7]).toMatchObject({ source: 'ret-1', orderKey: KEY, value: { orderId: 'ord-1' } });
    expect(plan.ops[8]!.value).toMatchObject({
      lines: [{ sku: 'SKU-000002', qty: 1, epc: '30340242201D8C4000000001' }],
      newLines: [{ sku: 'SKU-000005', qty: 1 }],
      tenders: [{ type: 'cash', amountCents: 300 }],
    });
  });

  it('applies speed, window, start offset and the idle-gap cap', () => {
    const plan = planRecording(HEADER, EVENTS, {
      speed: 2,
      window: { fromMs: 1_000, toMs: 201_000 },
      startOffsetMs: 100,
      maxIdleGapMs: 10_000,
    });
    // Skipped events (a price change, an RFID read) still take their place in time.
    expect(plan.ops.map((o) => o.atMs)).toEqual([100, 100, 1_100, 1_350, 1_600, 1_600, 1_850, 7_100]);
    // The window ends 1 s after the last event in it: that much more plan time.
    expect(plan.durationMs).toBe(7_600);
    expect(plan.counts.inWindow).toBe(10);
  });

  it('remaps SKUs and stores by map or function, in values and device ids', () => {
    const plan = planRecording(HEADER, EVENTS, {
      skuMap: new Map([['SKU-000001', 'HOT-1']]),
      storeMap: (s) => (s === 'S001' ? 'STORE-9' : s),
      devices: { posLanesPerStore: 1 },
    });
    expect(plan.ops[0]!.value).toMatchObject({ lines: [{ sku: 'HOT-1', qty: 2 }] });
    expect(plan.ops[1]).toMatchObject({ process: 'pos:STORE-9:lane-1', value: { store: 'STORE-9' } });
    expect(plan.ops.find((o) => o.source === 'cc-1')!.process).toMatch(/^rfid:STORE-9:/);
  });

  it('publishes raw RFID reads when asked', () => {
    const plan = planRecording(HEADER, EVENTS, { rfidReads: 'publish' });
    expect(plan.ops.find((o) => o.source === 'rd-1')).toMatchObject({
      f: 'rfid-read',
      process: 'rfid:S001:reader-2',
      value: { readId: 'rd-1', reader: 'reader-2', epc: '30340242201D8C4000000009' },
    });
  });

  it('shards by device exactly as the worker pool splits, with the same times', () => {
    const whole = planRecording(HEADER, EVENTS, { devices: { webShoppers: 7 } });
    const parts = splitPlanByDevice(whole.ops, 3);
    for (let index = 0; index < 3; index++) {
      const shard = planRecording(HEADER, EVENTS, {
        devices: { webShoppers: 7 },
        shard: { index, count: 3 },
      });
      expect(shard.ops).toEqual(parts[index]);
      expect(shard.counts.planned + shard.counts.otherShards).toBe(whole.ops.length);
    }
    expect(() => planRecording(HEADER, EVENTS, { shard: { index: 3, count: 3 } })).toThrow(/shard/);
  });

  it('reads a stream the same as an array', async () => {
    const stream = {
      header: HEADER,
      async *[Symbol.asyncIterator]() {
        yield* EVENTS;
      },
    };
    expect(await planRecordingStream(stream)).toEqual(planRecording(HEADER, EVENTS));
  });

  it('property: any valid recording gives a sorted plan of valid ops, and the same plan twice', () => {
    fc.assert(
      fc.property(
        fc.array(recordingEventArbitrary, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        (events, n) => {
          const plan = planRecording(HEADER, events, { speed: n, maxIdleGapMs: 5_000 });
          expect(firstUnsortedIndex(plan.ops)).toBe(-1);
          expect(planRecording(HEADER, events, { speed: n, maxIdleGapMs: 5_000 })).toEqual(plan);
          for (const op of plan.ops) {
            expect(deviceOf(op.process)).toBe(op.process);
            expect(shardIndexOf(op.process, 1)).toBe(0);
            const schemas = opValueSchemas[op.f as keyof typeof opValueSchemas];
            if (schemas !== undefined) expect(schemas.invoke.safeParse(op.value).success).toBe(true);
          }
          expect(plan.counts.planned + Object.values(plan.skipped).reduce((a, b) => a + b, 0)).toBe(
            events.length,
          );
        },
      ),
    );
  });
});
