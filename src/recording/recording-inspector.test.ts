import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OrderEvent, RecordingEvent, RecordingHeader } from '../model/recording-schema.ts';
import { SAMPLE_HEADER } from './recording-arbitraries.ts';
import { formatInspection, inspectRecording } from './recording-inspector.ts';
import { serializeRecordingLine, writeRecording } from './recording-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-inspector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function order(t: number, id: string, sku: string, extra: Partial<OrderEvent> = {}): OrderEvent {
  return {
    t,
    kind: 'order',
    id,
    channel: 'pos',
    store: 'S001',
    lines: [{ sku, qty: 2, unitPriceCents: 1000 }],
    tenders: [
      { type: 'card', amountCents: 1500 },
      { type: 'gift_card', amountCents: 500 },
    ],
    idempotencyKey: `k-${id}`,
    ...extra,
  };
}

const EVENTS: RecordingEvent[] = [
  order(100, 'o1', 'SKU-000001'),
  order(200, 'o2', 'SKU-000001'),
  order(1500, 'o3', 'SKU-000002', { store: 'S002' }),
  order(1600, 'o3r', 'SKU-000002', { store: 'S002', retryOf: 'o3' }),
  {
    t: 2000,
    kind: 'return',
    id: 'r1',
    orderRef: 'o1',
    channel: 'pos',
    store: 'S001',
    lines: [{ sku: 'SKU-000001', qty: 1, unitPriceCents: 1000 }],
    refunds: [
      { type: 'card', amountCents: 750 },
      { type: 'gift_card', amountCents: 250 },
    ],
    idempotencyKey: 'rk1',
  },
  ...[0, 1000, 6000, 20_000].map(
    (t, i): RecordingEvent => ({
      t: 30_000 + t,
      kind: 'rfid-read',
      id: `rf${i}`,
      store: 'S003',
      reader: 'S003-RFID-1',
      epc: '303409F4D000040000000001',
      sku: 'SKU-000003',
    }),
  ),
  { t: 61_000, kind: 'price-change', id: 'late', sku: 'SKU-000001', priceCents: 1 },
];

describe('inspectRecording', () => {
  it('summarises rate, kinds, concentration, stores, tenders, refunds and RFID duplicates in one pass', async () => {
    const path = join(dir, 'hand.ndjson.gz');
    await writeRecording(path, SAMPLE_HEADER, EVENTS);
    const result = await inspectRecording(path);
    expect(result.events).toBe(10);
    expect(result.durationS).toBe(60);
    expect(result.bucketSeconds).toBe(1);
    expect(result.eventsPerSecond).toHaveLength(61);
    expect(result.eventsPerSecond.slice(0, 3)).toEqual([
      { second: 0, count: 2 },
      { second: 1, count: 2 },
      { second: 2, count: 1 },
    ]);
    expect(result.peakSecond).toEqual({ second: 0, count: 2 });
    expect(result.outOfRange).toBe(1);
    expect(result.kinds).toEqual({ order: 4, return: 1, 'rfid-read': 4, 'price-change': 1 });
    expect(result.orders).toEqual({ count: 3, retries: 1, returns: 1, exchanges: 0, returnRate: 1 / 3 });
    // Catalog of 100 SKUs: the top 1% is one SKU, SKU-000001 with 4 of 6 units; the retry is not demand.
    expect(result.skuConcentration.top1PercentShare).toBeCloseTo(4 / 6);
    expect(result.skuConcentration.topSkus[0]).toEqual({ sku: 'SKU-000001', units: 4, share: 4 / 6 });
    expect(result.stores).toBe(3);
    expect(result.tenders).toEqual({
      card: { count: 3, amountCents: 4500 },
      gift_card: { count: 3, amountCents: 1500 },
    });
    expect(result.refunds).toEqual({
      card: { count: 1, amountCents: 750 },
      gift_card: { count: 1, amountCents: 250 },
    });
    expect(result.rfid).toEqual({ reads: 4, uniqueEpcs: 1, duplicateReads: 2, duplicateWindowMs: 5000 });
    expect(result.invalid).toBeUndefined();

    const text = formatInspection(result);
    expect(text).toContain('kinds      order 4 · rfid-read 4 · return 1 · price-change 1');
    expect(text).toContain('3 first attempts, 1 retries; 1 returns, 0 exchanges (33.3% of orders)');
    expect(text).toContain('top 1% of the catalog takes 66.7%');
    expect(text).toContain('4 reads of 1 tags, 2 duplicates within 5s');
  });

  it('caps the rate series at the bucket limit by widening buckets', async () => {
    const header: RecordingHeader = { ...SAMPLE_HEADER, endTime: '2025-11-28T16:00:00.000Z' };
    const events = Array.from({ length: 7200 }, (_, i) => order(i * 1000, `o${i}`, 'SKU-000001'));
    const path = join(dir, 'long.ndjson');
    await writeRecording(path, header, events);
    const result = await inspectRecording(path, { maxBuckets: 600 });
    expect(result.bucketSeconds).toBe(13);
    expect(result.eventsPerSecond.length).toBeLessThanOrEqual(600);
    expect(result.eventsPerSecond.reduce((sum, b) => sum + b.count, 0)).toBe(7200);
    expect(result.peakSecond?.count).toBe(1);
  });

  it('with skipInvalid reports the bad lines and still summarises the good ones', async () => {
    const path = join(dir, 'bad.ndjson');
    const lines = [
      serializeRecordingLine(SAMPLE_HEADER),
      serializeRecordingLine(EVENTS[0]!),
      '{"kind":"order"}',
      'zzz',
    ];
    writeFileSync(path, `${lines.join('\n')}\n`);
    const result = await inspectRecording(path, { skipInvalid: true });
    expect(result.events).toBe(1);
    expect(result.invalid?.count).toBe(2);
    expect(result.invalid?.samples.map((s) => s.line)).toEqual([3, 4]);
    expect(formatInspection(result)).toMatch(/invalid {4}2 lines skipped\n {11}line 3: order event: /);
    await expect(inspectRecording(path)).rejects.toThrow(/bad\.ndjson line 3: order event: /);
  });
});
