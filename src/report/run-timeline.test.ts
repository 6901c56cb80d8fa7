import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogFile } from '../run/run-directory.ts';
import { buildRunTimeline, TimelineBuilder } from './run-timeline.ts';
import { HistoryFile } from './testing/history-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peakdrill-timeline-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const checkout = (sku: string, qty = 1) => ({
  channel: 'web',
  store: 'S001',
  lines: [{ sku, qty }],
  tenders: [{ type: 'card', amountCents: 100 }],
  idempotencyKey: `k-${Math.random()}`,
});
const checkoutOk = (sku: string, qty = 1) => ({
  orderId: `o-${Math.random()}`,
  lines: [{ sku, qty }],
  totalCents: 100,
  tenders: [{ type: 'card', amountCents: 100 }],
});

describe('buildRunTimeline', () => {
  it('counts completions per second by outcome, keeps business rejections apart from errors', async () => {
    const h = new HistoryFile();
    h.op('checkout', { at: 100, outcome: 'ok' });
    h.op('checkout', { at: 200, outcome: 'ok' });
    h.op('checkout', { at: 300, outcome: 'fail', code: 'out-of-stock' });
    h.op('checkout', { at: 1_100, outcome: 'fail', code: 'unavailable' });
    h.op('checkout', { at: 1_200, outcome: 'info', code: 'timeout' });
    h.op('return', { at: 2_500, outcome: 'ok' });
    h.op('fleet-wait', { at: 2_600, outcome: 'ok' });
    h.drop('checkout', 2_700);
    h.op('checkout', { at: 2_800, outcome: 'pending' });
    h.end(3_000);
    const t = await buildRunTimeline([await h.write(join(dir, 'history.ndjson'))]);
    expect(t.bucketMs).toBe(1_000);
    // The end entry at 3 s adds no empty bucket of its own.
    expect(t.buckets).toBe(3);
    expect(t.ops.ok).toEqual([2, 0, 1]);
    expect(t.ops.rejected).toEqual([1, 0, 0]);
    expect(t.ops.fail).toEqual([0, 1, 0]);
    expect(t.ops.info).toEqual([0, 1, 0]);
    expect(t.ops.dropped).toEqual([0, 0, 1]);
    expect(t.errors).toEqual([0, 2, 0]);
    expect(t.totals).toMatchObject({ ok: 3, fail: 1, info: 1, rejected: 1, dropped: 1 });
    expect(t.totals.byF.checkout).toEqual({ ok: 2, fail: 1, info: 1, rejected: 1, dropped: 1 });
    expect(t.totals.byF['fleet-wait']).toBeUndefined();
    expect(t.end).toEqual({ status: 'completed', reason: null, atMs: 3_000 });
    expect(t.runIds).toEqual(['run-1']);
    expect(t.startedAt).toBe('2025-11-21T17:00:00.000Z');
  });

  it('gives latency percentiles per second, null for a second without completions', async () => {
    const h = new HistoryFile();
    // Second 0: 1..100 ms; second 2: one op of 500 ms.
    for (let i = 1; i <= 100; i++) h.op('checkout', { at: 0, took: i });
    h.op('checkout', { at: 2_000, took: 500 });
    const t = await buildRunTimeline([await h.write(join(dir, 'history.ndjson'))]);
    expect(t.latency.p50[0]).toBeCloseTo(50, 0);
    expect(t.latency.p95[0]).toBeCloseTo(95, 0);
    expect(t.latency.p99[0]).toBeCloseTo(99, 0);
    expect(t.latency.max[0]).toBeCloseTo(100, 0);
    expect(t.latency.p99[1]).toBeNull();
    expect(t.latency.p50[2]).toBeCloseTo(500, 0);
  });

  it('pairs fault starts and stops into windows; one never healed runs to the end', async () => {
    const h = new HistoryFile();
    h.fault('lose-region-a', 'region-loss', 1_000, 4_000);
    h.fault('slow-db', 'latency', 2_000, undefined, 'db-b');
    h.op('checkout', { at: 5_500 });
    h.end(6_000);
    const t = await buildRunTimeline([await h.write(join(dir, 'history.ndjson'))]);
    expect(t.faults).toEqual([
      {
        name: 'lose-region-a',
        kind: 'region-loss',
        target: 'a',
        startMs: 1_000,
        endMs: 4_000,
        healed: true,
        healFailed: false,
      },
      {
        name: 'slow-db',
        kind: 'latency',
        target: 'db-b',
        startMs: 2_000,
        endMs: 6_000,
        healed: false,
        healFailed: false,
      },
    ]);
  });

  it('gives checkout-probe success per region per second and propagation latency', async () => {
    const h = new HistoryFile();
    for (let ms = 0; ms < 2_000; ms += 100) {
      h.probe('checkout-probe', ms, true, { region: 'a' });
      // Region b fails its whole second second.
      h.probe('checkout-probe', ms + 50, ms < 1_000 || ms === 1_900, { region: 'b' });
    }
    h.probe('propagation', 500, true, {
      value: { from: 'a', to: 'b', writtenNs: 400_000_000, visibleNs: 420_000_000 },
    });
    h.probe('propagation', 900, true, {
      value: { from: 'a', to: 'b', writtenNs: 800_000_000, visibleNs: 860_000_000 },
    });
    h.probe('propagation', 1_500, false, { value: { from: 'a', to: 'b', writtenNs: 1_400_000_000 } });
    const t = await buildRunTimeline([await h.write(join(dir, 'history.ndjson'))]);
    expect(t.probes.regions).toEqual(['a', 'b']);
    expect(t.probes.success.a).toEqual([1, 1]);
    expect(t.probes.success.b).toEqual([1, 0.1]);
    expect(t.probes.samples.b).toEqual([10, 10]);
    expect(t.propagation.samples).toBe(3);
    expect(t.propagation.avgMs).toEqual([40, null]);
    expect(t.propagation.maxMs).toEqual([60, null]);
    expect(t.propagation.notVisible).toEqual([0, 1]);
  });

  it('draws a migration: CDC lag per second, webhooks queued, and the cutover’s phases', async () => {
    const h = new HistoryFile();
    h.probe('cdc-lag', 200, true, { value: { lagBytes: 2_048, lagMs: 4 } });
    h.probe('cdc-lag', 700, true, { value: { lagBytes: 4_096, lagMs: 9 } });
    h.probe('cdc-lag', 1_500, true, { value: { ended: true } });
    h.op('webhook', { at: 1_100, value: { eventId: 'e1' }, result: { outcome: 'queued' } });
    h.op('webhook', { at: 1_200, value: { eventId: 'e2' }, result: { outcome: 'applied' } });
    h.fault('cutover', 'migration-cutover', 1_000, 1_900, 'b', {
      drainedAtMs: 100,
      promotedAtMs: 400,
      switchedAtMs: 450,
      replayedAtMs: 800,
      webhooksQueued: 1,
      webhooksReplayed: 1,
    });
    const t = await buildRunTimeline([await h.write(join(dir, 'history.ndjson'))]);
    expect(t.cdc).toEqual({ samples: 3, lagMs: [9, 0], lagKb: [4, 0], queuedWebhooks: [0, 1] });
    expect(t.faults[0]!.phases).toEqual([
      { name: 'frozen', atMs: 1_000 },
      { name: 'drained', atMs: 1_100 },
      { name: 'writes taken over', atMs: 1_400 },
      { name: 'edge switched', atMs: 1_450 },
      { name: 'queue replayed', atMs: 1_800 },
    ]);
  });

  it('tracks the stock of the hot SKUs: acknowledged sales out, acknowledged returns back', async () => {
    const catalog: CatalogFile = {
      probeSku: 'PROBE-0001',
      hotSkus: ['HOT-1', 'HOT-2'],
      skus: [
        { sku: 'HOT-1', priceCents: 100, stock: { S001: 10, S002: 5 } },
        { sku: 'HOT-2', priceCents: 100, stock: { S001: 3 } },
        { sku: 'COLD', priceCents: 100, stock: { S001: 100 } },
      ],
    };
    const h = new HistoryFile();
    h.op('checkout', { at: 100, value: checkout('HOT-1', 2), result: checkoutOk('HOT-1', 2) });
    h.op('checkout', { at: 200, value: checkout('COLD'), result: checkoutOk('COLD') });
    // Failed and unknown checkouts are not counted (approximate: info may have sold).
    h.op('checkout', { at: 300, outcome: 'fail', code: 'out-of-stock', value: checkout('HOT-2') });
    h.op('checkout', { at: 400, outcome: 'info', value: checkout('HOT-2') });
    h.op('return', {
      at: 1_100,
      value: { orderId: 'o1', lines: [{ sku: 'HOT-1', qty: 1 }], idempotencyKey: 'r1' },
      result: { orderId: 'o1', refunds: [] },
    });
    h.op('return', {
      at: 1_200,
      outcome: 'fail',
      code: 'nothing-to-return',
      value: { orderId: 'o2', lines: [{ sku: 'HOT-1', qty: 5 }], idempotencyKey: 'r2' },
    });
    h.op('exchange', {
      at: 1_300,
      value: {
        orderId: 'o1',
        lines: [{ sku: 'HOT-1', qty: 1 }],
        newLines: [{ sku: 'HOT-2', qty: 1 }],
        idempotencyKey: 'x1',
      },
      result: { orderId: 'o1', refunds: [], exchangeOrderId: 'o9' },
    });
    h.op('offline-sync', {
      at: 2_100,
      value: {
        terminal: 't1',
        batchId: 'b1',
        sales: [
          { saleId: 's1', lines: [{ sku: 'HOT-1', qty: 3 }], tenders: [{ type: 'cash', amountCents: 300 }] },
          { saleId: 's2', lines: [{ sku: 'HOT-1', qty: 1 }], tenders: [{ type: 'cash', amountCents: 100 }] },
          { saleId: 's3', lines: [{ sku: 'HOT-2', qty: 4 }], tenders: [{ type: 'cash', amountCents: 400 }] },
        ],
      },
      result: {
        batchId: 'b1',
        sales: [
          { saleId: 's1', status: 'applied' },
          { saleId: 's2', status: 'duplicate' },
          { saleId: 's3', status: 'backordered', backordered: [{ sku: 'HOT-2', qty: 2 }] },
        ],
      },
    });
    h.end(3_500);
    const t = await buildRunTimeline([await h.write(join(dir, 'history.ndjson'))], { catalog });
    expect(t.stock?.skus).toEqual(['HOT-1', 'HOT-2']);
    expect(t.stock?.initial).toEqual({ 'HOT-1': 15, 'HOT-2': 3 });
    // HOT-1: 15 −2 (s0) +1 +1 (return, exchange; s1) −3 (offline s1; s2).
    expect(t.stock?.series['HOT-1']).toEqual([13, 15, 12]);
    // HOT-2: 3, −1 (exchange out; s1), −4 +2 backordered (s2).
    expect(t.stock?.series['HOT-2']).toEqual([3, 2, 0]);
    expect(await buildRunTimeline([join(dir, 'history.ndjson')])).toMatchObject({ stock: null });
  });

  it('counts an order, return or sale once however often a retry was acknowledged', async () => {
    const catalog: CatalogFile = {
      probeSku: 'P',
      hotSkus: ['HOT-1'],
      skus: [{ sku: 'HOT-1', priceCents: 100, stock: { S001: 10 } }],
    };
    const h = new HistoryFile();
    const order = { ...checkoutOk('HOT-1', 2), orderId: 'O-1' };
    // The same idempotency key answered ok three times with the same order.
    for (const at of [100, 200, 300]) h.op('checkout', { at, value: checkout('HOT-1', 2), result: order });
    const ret = { orderId: 'O-1', lines: [{ sku: 'HOT-1', qty: 1 }], idempotencyKey: 'r1' };
    h.op('return', { at: 1_100, value: ret, result: { returnId: 'R-1', orderId: 'O-1', refunds: [] } });
    h.op('return', { at: 1_200, value: ret, result: { returnId: 'R-1', orderId: 'O-1', refunds: [] } });
    // No returnId in the answer: the idempotency key stands for it.
    const ret2 = { orderId: 'O-1', lines: [{ sku: 'HOT-1', qty: 1 }], idempotencyKey: 'r2' };
    h.op('return', { at: 1_300, value: ret2, result: { orderId: 'O-1', refunds: [] } });
    h.op('return', { at: 1_400, value: ret2, result: { orderId: 'O-1', refunds: [] } });
    const sale = {
      saleId: 's1',
      lines: [{ sku: 'HOT-1', qty: 3 }],
      tenders: [{ type: 'cash', amountCents: 3 }],
    };
    for (const at of [2_100, 2_200]) {
      h.op('offline-sync', {
        at,
        value: { terminal: 't', batchId: 'b1', sales: [sale] },
        result: { batchId: 'b1', sales: [{ saleId: 's1', status: 'applied' }] },
      });
    }
    const t = await buildRunTimeline([await h.write(join(dir, 'history.ndjson'))], { catalog });
    expect(t.stock?.series['HOT-1']).toEqual([8, 10, 7]);
  });

  it('merges shard histories onto one timeline', async () => {
    const a = new HistoryFile('run-9', { index: 0, count: 2 });
    const b = new HistoryFile('run-9', { index: 1, count: 2 });
    a.op('checkout', { at: 100 });
    a.op('checkout', { at: 1_100 });
    b.op('checkout', { at: 150 });
    b.op('checkout', { at: 2_100, outcome: 'fail', code: 'unavailable' });
    b.fault('f', 'partition', 500, 900);
    const pa = await a.write(join(dir, 'history.ndjson'));
    // Same machine, same clock.
    const pb = await b.write(join(dir, 'history-shard-1.ndjson'));
    const t = await buildRunTimeline([pa, pb]);
    expect(t.ops.ok).toEqual([2, 1, 0]);
    expect(t.ops.fail).toEqual([0, 0, 1]);
    expect(t.faults).toHaveLength(1);
    expect(t.runIds).toEqual(['run-9']);
  });

  it('keeps per-second state, not per-op state: a hundred thousand ops make ten buckets', () => {
    const b = new TimelineBuilder();
    b.add({ type: 'run', version: 1, runId: 'r', startedAt: '2025-11-21T17:00:00.000Z', t0: '0' });
    for (let i = 0; i < 100_000; i++) {
      const t = i * 100_000;
      b.add({
        type: 'invoke',
        op: `r:${i}`,
        process: 1,
        f: 'checkout',
        scheduledNs: t,
        sentNs: t,
        latenessMs: 0,
      });
      b.add({
        type: 'ok',
        op: `r:${i}`,
        process: 1,
        f: 'checkout',
        completedNs: t + 1,
        latencyMs: (i % 50) + 1,
      });
    }
    const t = b.finish();
    expect(t.buckets).toBe(10);
    expect(t.ops.ok).toEqual(new Array(10).fill(10_000));
    expect(t.latency.p99.every((p) => p !== null && p >= 49 && p <= 50.1)).toBe(true);
  });

  it('folds entries past maxBuckets into the last bucket instead of allocating for a wild time', () => {
    const b = new TimelineBuilder({ maxBuckets: 5 });
    b.add({ type: 'probe', probe: 'checkout-probe', ok: true, latencyMs: 1, atNs: 1e15 });
    const t = b.finish();
    expect(t.buckets).toBe(5);
    expect(t.clamped).toBe(true);
    expect(t.probes.samples.any).toEqual([0, 0, 0, 0, 1]);
  });

  it('groups into wider buckets when asked', async () => {
    const h = new HistoryFile();
    for (let ms = 0; ms < 10_000; ms += 500) h.op('checkout', { at: ms });
    const t = await buildRunTimeline([await h.write(join(dir, 'history.ndjson'))], { bucketMs: 5_000 });
    expect(t.ops.ok).toEqual([10, 10]);
  });
});
