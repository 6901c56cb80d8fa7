import { describe, expect, it } from 'vitest';
import { OP, type ScanInvokeValue, type WebhookInvokeValue } from '../src/model/op-values.ts';
import { firstUnsortedIndex } from '../src/model/planned-op.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import { ReferenceStoreCodec } from '../src/targets/reference-store/reference-store-codec.ts';
import type { FleetContext } from './device-fleet.ts';
import { KafkaScanPublisher } from './kafka-scan-publisher.ts';
import { MarketplaceWebhookFleet } from './marketplace-webhook-fleet.ts';
import { OrderRegistry } from './order-registry.ts';
import { RfidReaderFleet, scanMessage } from './rfid-reader-fleet.ts';
import { WebShopperFleet } from './web-shopper-fleet.ts';

const codec = new ReferenceStoreCodec();

const ctx: FleetContext = {
  orders: new OrderRegistry(),
  nowPlanMs: () => 0,
  followUp: () => {},
  expectDecision: (deadlineMs) => ({ deadlineMs, closed: false }),
  count: () => {},
};

const scans: ReplayOp[] = Array.from({ length: 400 }, (_, i) => ({
  atMs: i * 10,
  f: OP.scan,
  process: `rfid:S001:reader-${1 + (i % 2)}`,
  source: `cc-${i}`,
  value: {
    scanId: `cc-${i}`,
    store: 'S001',
    sku: `SKU-${i % 7}`,
    sequence: i + 1,
    kind: 'cycle-count',
    qty: 3,
  },
}));
const hooks: ReplayOp[] = Array.from({ length: 400 }, (_, i) => ({
  atMs: i * 10,
  f: OP.webhook,
  process: 'webhook:mkt-a',
  source: `wh-${i}`,
  value: {
    eventId: `e${i}`,
    sku: `SKU-${i % 5}`,
    store: 'S000',
    sequence: i + 1,
    kind: 'order.placed',
    delta: -1,
  },
}));

describe('plan shaping', () => {
  const rfid = new RfidReaderFleet(
    { duplicateRate: 0.2, reorderRate: 0.1, burstRate: 0.2, burstMs: 500, seed: 9 },
    new KafkaScanPublisher({ brokers: ['127.0.0.1:1'] }),
  );

  it('RFID: duplicates keep the scan id, bursts flush at the window end, all deterministic and sorted', () => {
    const shaped = rfid.shapePlan(scans);
    expect(rfid.shapePlan(scans)).toEqual(shaped);
    expect(firstUnsortedIndex(shaped)).toBe(-1);
    const ids = shaped.map((o) => (o.value as ScanInvokeValue).scanId);
    const dups = ids.length - new Set(ids).size;
    expect(dups).toBeGreaterThan(40);
    expect(dups).toBeLessThan(120);
    expect(new Set(ids).size).toBe(400);
    // Bursts: many ops moved to a 500 ms boundary, several at the same instant.
    const atBoundary = shaped.filter(
      (o) => o.atMs % 500 === 0 && o.atMs !== scans.find((s) => s.source === o.source)!.atMs,
    );
    expect(atBoundary.length).toBeGreaterThan(20);
    // Reordering: per reader, sequences no longer always rise.
    const seqs = shaped
      .filter((o) => o.process === 'rfid:S001:reader-1')
      .map((o) => (o.value as ScanInvokeValue).sequence);
    expect(seqs.some((s, i) => i > 0 && s < seqs[i - 1]!)).toBe(true);
  });

  it('RFID: a count sent later than planned says how long it was held, so it keeps its snapshot time', () => {
    const shaped = rfid.shapePlan(scans);
    const plannedAt = new Map(scans.map((s) => [s.source, s.atMs]));
    let moved = 0;
    for (const op of shaped) {
      const v = op.value as ScanInvokeValue;
      const planned = plannedAt.get(op.source)!;
      expect(op.atMs - (v.heldMs ?? 0)).toBeCloseTo(planned, 6);
      if (op.atMs !== planned) moved++;
    }
    expect(moved).toBeGreaterThan(40);
    const count = shaped.find((o) => ((o.value as ScanInvokeValue).heldMs ?? 0) > 0)!;
    const message = scanMessage(count.value as ScanInvokeValue, 'rfid:S001:reader-1', 10_000_000) as {
      countedAt: string;
    };
    expect(Date.parse(message.countedAt)).toBe(10_000_000 - (count.value as ScanInvokeValue).heldMs!);
    const receiving = { ...(scans[0]!.value as ScanInvokeValue), kind: 'receiving' as const };
    expect(scanMessage(receiving, 'scanner:S001:scanner-1')).not.toHaveProperty('countedAt');
  });

  it('RFID: each op is shaped on its own, so a shard shapes its ops as the whole plan does', () => {
    const reader1 = scans.filter((o) => o.process === 'rfid:S001:reader-1');
    const whole = rfid.shapePlan(scans).filter((o) => o.process === 'rfid:S001:reader-1');
    expect(rfid.shapePlan(reader1)).toEqual(whole);
  });

  it('webhooks: duplicates are copies with the same event id; a reordered delivery lands after the SKU’s next', () => {
    const fleet = new MarketplaceWebhookFleet(
      { baseUrl: 'http://127.0.0.1:1', codec, duplicateRate: 0.1, reorderRate: 0.1, seed: 3 },
      ctx,
    );
    const shaped = fleet.shapePlan(hooks);
    expect(fleet.shapePlan(hooks)).toEqual(shaped);
    expect(firstUnsortedIndex(shaped)).toBe(-1);
    const byEvent = Map.groupBy(shaped, (o) => (o.value as WebhookInvokeValue).eventId);
    const twice = [...byEvent.values()].filter((d) => d.length === 2);
    expect(twice.length).toBeGreaterThan(20);
    for (const [a, b] of twice) expect(a!.value).not.toBe(b!.value);
    const perSku = new Map<string, number[]>();
    for (const o of shaped) {
      const v = o.value as WebhookInvokeValue;
      perSku.set(v.sku, [...(perSku.get(v.sku) ?? []), v.sequence]);
    }
    const inversions = [...perSku.values()].flatMap((seq) => seq.filter((s, i) => i > 0 && s < seq[i - 1]!));
    expect(inversions.length).toBeGreaterThan(10);
  });

  it('web shoppers look at the stock of the first SKU before a checkout', () => {
    const fleet = new WebShopperFleet(
      { baseUrl: 'http://127.0.0.1:1', codec, stockReads: { rate: 1, leadMs: 300 } },
      ctx,
    );
    const shaped = fleet.shapePlan([
      {
        atMs: 100,
        f: OP.checkout,
        process: 'web:shopper-3',
        source: 'o1',
        value: {
          channel: 'web',
          store: 'S000',
          lines: [{ sku: 'A', qty: 1 }],
          tenders: [{ type: 'card', amountCents: 1 }],
          idempotencyKey: 'k',
        },
      },
    ]);
    expect(shaped.map((o) => [o.atMs, o.f, o.value])).toEqual([
      [0, OP.readStock, { sku: 'A', store: 'S000' }],
      [100, OP.checkout, expect.anything()],
    ]);
  });
});
