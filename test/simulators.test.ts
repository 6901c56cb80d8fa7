// Every device fleet against the reference store on the local stack, over real
// HTTP (through Toxiproxy proxies) and real Kafka: one hand-written recording,
// planned and replayed by the node engine, with a real partition of the POS uplink.
import type { Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFor, generateRecording } from '../recorders/synthetic-generator.ts';
import { FleetClient } from '../simulators/fleet-client.ts';
import { FLEET_WAIT_F } from '../simulators/fleet-plan-stream.ts';
import { checkAll } from '../src/checkers/all-checkers.ts';
import { indexHistory } from '../src/checkers/history-index.ts';
import { OpenModelScheduler } from '../src/engines/open-model-scheduler.ts';
import { RunClock } from '../src/history/run-clock.ts';
import type { InvokeEntry } from '../src/model/history-entry.ts';
import {
  type OfflineSyncInvokeValue,
  OP,
  opValueSchemas,
  type WebhookOkValue,
} from '../src/model/op-values.ts';
import type { RecordingEvent, RecordingHeader } from '../src/model/recording-schema.ts';
import { planRecording } from '../src/plan/recording-planner.ts';
import type { StoreFinalState } from '../src/reference-store/final-state.ts';
import type { SeedRequest } from '../src/reference-store/request-schemas.ts';
import { StoreClient } from '../src/reference-store/store-client.ts';
import type { StartedStore } from '../src/reference-store/store-server.ts';
import { PortAllocator } from '../src/stack/free-port.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { MemoryHistory } from './support/memory-history.ts';
import { startStoreOn, startTestStack } from './support/stack-fixture.ts';
import { until } from './support/until.ts';

const CATALOG: SeedRequest['skus'] = [
  { sku: 'W-1', priceCents: 1_000, stock: { S000: 100 } },
  { sku: 'W-2', priceCents: 2_500, stock: { S000: 100 } },
  { sku: 'P-1', priceCents: 500, stock: { S001: 200 } },
  { sku: 'P-2', priceCents: 1_200, stock: { S001: 200 } },
  { sku: 'M-1', priceCents: 700, stock: { S000: 50 } },
  { sku: 'S-1', priceCents: 300, stock: { S001: 40 } },
];
const PRICES = new Map(CATALOG.map((c) => [c.sku, c.priceCents]));

const HEADER: RecordingHeader = {
  type: 'header',
  schemaVersion: 1,
  source: 'http-capture',
  startTime: '2025-11-28T14:00:00.000Z',
  endTime: '2025-11-28T14:00:12.000Z',
  stores: 1,
  skus: CATALOG.length,
};

// Times (ms) of the faults the test applies while the plan runs.
const PARTITION = { from: 2_000, to: 5_000 };
// Removing a latency toxic flushes what it held: it must outlast the shopper's 1.5 s timeout.
const SLOW_WEB = { from: 5_000, to: 6_800 };
const RETRIED_KEY = 'web-slow-order';

function order(
  t: number,
  id: string,
  channel: 'web' | 'pos',
  sku: string,
  qty: number,
  tender: 'card' | 'cash',
  extra = {},
) {
  return {
    t,
    kind: 'order' as const,
    id,
    channel,
    store: channel === 'web' ? 'S000' : 'S001',
    ...(channel === 'pos' ? { terminal: 'S001-L01' } : { customer: { id: `cust-${id.length % 3}` } }),
    lines: [{ sku, qty, unitPriceCents: PRICES.get(sku)! }],
    tenders: [{ type: tender, amountCents: qty * PRICES.get(sku)! }],
    idempotencyKey: `key-${id}`,
    ...extra,
  };
}

function recording(): RecordingEvent[] {
  const events: RecordingEvent[] = [];
  // Web: a few orders, one returned; one placed while the web edge is slow (retried).
  for (let i = 0; i < 5; i++)
    events.push(order(200 + i * 700, `web-${i}`, 'web', 'W-1', 1 + (i % 2), 'card'));
  events.push(order(SLOW_WEB.from + 100, 'slow', 'web', 'W-2', 1, 'card', { idempotencyKey: RETRIED_KEY }));
  events.push({
    t: 8_000,
    kind: 'return',
    id: 'ret-0',
    orderRef: 'web-0',
    channel: 'web',
    store: 'S000',
    lines: [{ sku: 'W-1', qty: 1, unitPriceCents: 1_000 }],
    refunds: [{ type: 'card', amountCents: 1_000 }],
    idempotencyKey: 'key-ret-0',
  });
  // POS: one lane selling every 250 ms, through the partition.
  for (let t = 0; t < 9_000; t += 250) {
    const card = t % 1_000 === 500;
    events.push(
      order(t, `pos-${t}`, 'pos', card ? 'P-2' : 'P-1', 1 + ((t / 250) % 2), card ? 'card' : 'cash'),
    );
  }
  // Marketplace orders for M-1 in sequence (the fleet duplicates and reorders some deliveries).
  for (let i = 0; i < 12; i++) {
    events.push({
      t: 300 + i * 400,
      kind: 'marketplace-webhook',
      id: `wh-${i}`,
      eventId: `mkt-a-${i}`,
      marketplace: 'mkt-a',
      sku: 'M-1',
      sequence: i + 1,
      deliveryAttempt: 1,
      eventType: 'order',
      payload: { marketplaceOrderId: `MO-${i}`, qty: 1, unitPriceCents: 700 },
    });
  }
  // Inventory of S-1 at S001: count 40, receive 10, damage 2, count 47 → 47 in any arrival order.
  events.push({
    t: 1_000,
    kind: 'cycle-count',
    id: 'cc-1',
    store: 'S001',
    sku: 'S-1',
    countedQty: 40,
    sequence: 1,
  });
  events.push({ t: 1_500, kind: 'receiving', id: 'rc-2', store: 'S001', sku: 'S-1', qty: 10, sequence: 2 });
  events.push({
    t: 2_500,
    kind: 'barcode-adjustment',
    id: 'adj-3',
    store: 'S001',
    sku: 'S-1',
    delta: -2,
    reason: 'damaged',
    sequence: 3,
  });
  events.push({
    t: 3_000,
    kind: 'cycle-count',
    id: 'cc-4',
    store: 'S001',
    sku: 'S-1',
    countedQty: 47,
    sequence: 4,
  });
  return events.sort((a, b) => a.t - b.t);
}

describe('device fleets against the reference store (local stack, real HTTP and Kafka)', () => {
  let stack: StartedLocalStack;
  let store: StartedStore;
  let api: StoreClient;
  let uplink: ToxiproxyProxy;
  let webEdge: ToxiproxyProxy;
  const history = new MemoryHistory();
  let fleetStats: Record<string, number> = {};
  let state: StoreFinalState;

  beforeAll(async () => {
    stack = await startTestStack('simulators');
    store = await startStoreOn(stack);
    api = new StoreClient(store.url);
    expect((await api.seed(CATALOG)).status).toBeLessThan(300);
    const ports = new PortAllocator();
    const upstream = new URL(store.url).host;
    uplink = await stack.toxiproxy.createProxy({
      name: 'pos-uplink',
      listen: `127.0.0.1:${await ports.free()}`,
      upstream,
    });
    webEdge = await stack.toxiproxy.createProxy({
      name: 'web-edge',
      listen: `127.0.0.1:${await ports.free()}`,
      upstream,
    });

    const plan = planRecording(HEADER, recording());
    const fleet = new FleetClient({
      storeUrl: store.url,
      kafkaBrokers: stack.kafkaBrokers,
      seed: 7,
      tailMs: 20_000,
      pos: {
        baseUrl: `http://${uplink.listen}`,
        prices: PRICES,
        uplinkTimeoutMs: 1_000,
        retryOnlineAfterMs: 1_000,
        syncAfterMs: 500,
        syncRetryMs: 700,
      },
      web: {
        baseUrl: `http://${webEdge.listen}`,
        timeoutMs: 1_500,
        retryAfterMs: 500,
        stockReads: { rate: 1, leadMs: 300 },
      },
      webhook: { duplicateRate: 0.3, reorderRate: 0.2 },
      rfid: { duplicateRate: 0.5, reorderRate: 0.3, burstRate: 0 },
      scanner: { duplicateRate: 0.5 },
    });
    // Connect (Kafka takes a moment) before plan time 0, and put the faults on the same clock.
    await fleet.open();
    const clock = new RunClock();
    const leadMs = 300;
    const startAtNs = clock.nowNs() + leadMs * 1e6;
    fleet.setPlanOrigin(performance.now() + leadMs);
    const enable = (enabled: boolean) =>
      uplink.update({ enabled, listen: uplink.listen, upstream: uplink.upstream });
    const faults: Promise<unknown>[] = [];
    const at = (ms: number, fn: () => Promise<unknown>) => setTimeout(() => faults.push(fn()), leadMs + ms);
    let slow: { remove(): Promise<unknown> } | undefined;
    const timers = [
      at(PARTITION.from, () => enable(false)),
      at(PARTITION.to, () => enable(true)),
      at(SLOW_WEB.from, async () => {
        slow = await webEdge.addToxic({
          name: 'slow-web',
          type: 'latency',
          stream: 'downstream',
          toxicity: 1,
          attributes: { latency: 2_500, jitter: 0 },
        });
      }),
      at(SLOW_WEB.to, async () => slow?.remove()),
    ];
    try {
      const scheduler = new OpenModelScheduler(fleet, {
        runId: 'sim',
        clock,
        history,
        startAtNs,
        timeoutMs: 10_000,
      });
      const stats = await scheduler.run(fleet.plan(plan.ops));
      fleetStats = fleet.stats();
      console.log('scheduler', JSON.stringify(stats), '\nfleet', JSON.stringify(fleetStats));
    } finally {
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled(faults);
      await enable(true);
    }
    // The store consumes scans asynchronously: wait until every scan id has arrived.
    const scanIds = new Set(['cc-1', 'rc-2', 'adj-3', 'cc-4']);
    state = await until(
      async () => {
        const s = await api.state();
        return s.scanEvents.filter((e) => scanIds.has(e.scanId)).length === scanIds.size ? s : undefined;
      },
      30_000,
      'the store to consume every scan',
      200,
    );
  });

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  });

  it('records every op once with one completion, in op-values shapes', () => {
    const invokes = history.entries.filter((e): e is InvokeEntry => e.type === 'invoke');
    expect(invokes.length).toBeGreaterThan(60);
    for (const inv of invokes) {
      const done = history.completion(inv.op);
      expect(done, `${inv.op} ${inv.f}`).toBeDefined();
      const schemas = opValueSchemas[inv.f as keyof typeof opValueSchemas];
      if (schemas === undefined) {
        expect(inv.f).toBe(FLEET_WAIT_F);
        continue;
      }
      expect(schemas.invoke.safeParse(inv.value).success, JSON.stringify(inv.value)).toBe(true);
      if (done.type === 'ok')
        expect(schemas.ok.safeParse(done.value).success, JSON.stringify(done.value)).toBe(true);
    }
  });

  it('web shoppers read stock, check out, return, and retry a timed-out checkout with the same key', () => {
    const reads = history.outcomes(OP.readStock).filter((o) => o.done.type === 'ok');
    expect(reads.length).toBeGreaterThanOrEqual(5);
    expect(reads[0]!.done.value).toMatchObject({ sku: 'W-1', stores: { S000: expect.any(Number) } });
    const web = history.outcomes(OP.checkout, (inv) => String(inv.process).startsWith('web:'));
    const attempts = web.filter(
      (o) => (o.inv.value as { idempotencyKey: string }).idempotencyKey === RETRIED_KEY,
    );
    expect(attempts.map((a) => a.done.type)).toEqual(['info', 'ok']);
    expect(attempts[1]!.inv.op).not.toBe(attempts[0]!.inv.op);
    const stored = state.orders.filter((o) => o.idempotencyKey === RETRIED_KEY);
    expect(stored).toHaveLength(1);
    expect((attempts[1]!.done.value as { orderId: string }).orderId).toBe(stored[0]!.orderId);
    expect(web.filter((o) => o.done.type === 'ok')).toHaveLength(6);
    const [ret] = history.outcomes(OP.return);
    const first = state.orders.find((o) => o.idempotencyKey === 'key-web-0')!;
    expect(ret!.inv.value).toMatchObject({ orderId: first.orderId, idempotencyKey: 'key-ret-0' });
    expect(ret!.done).toMatchObject({
      type: 'ok',
      value: { orderId: first.orderId, refunds: [{ type: 'card', amountCents: 1_000 }] },
    });
  });

  it('a POS lane sells offline through a Toxiproxy partition, then syncs the batch once', () => {
    const sales = history.outcomes(OP.checkout, (inv) => String(inv.process).startsWith('pos:'));
    const offline = sales.filter((s) => s.done.error?.code === 'sold-offline');
    const online = sales.filter((s) => s.done.type === 'ok');
    console.log(
      `POS: ${sales.length} sales, ${online.length} online, ${offline.length} offline, ` +
        `others ${JSON.stringify(sales.filter((s) => s.done.type !== 'ok' && s.done.error?.code !== 'sold-offline').map((s) => s.done.error))}`,
    );
    // 2 s to 5 s at one sale per 250 ms, give or take the first sale the cut catches in flight.
    expect(offline.length).toBeGreaterThanOrEqual(10);
    expect(online.length).toBeGreaterThanOrEqual(10);
    const keys = new Set(offline.map((s) => (s.inv.value as { idempotencyKey: string }).idempotencyKey));
    const uploads = history.outcomes(OP.offlineSync);
    const acked = uploads.filter((u) => u.done.type === 'ok');
    const ackedSales = acked.flatMap((u) =>
      (u.inv.value as OfflineSyncInvokeValue).sales.map((s) => s.saleId),
    );
    // Every offline sale was uploaded and acknowledged exactly once, and nothing else was.
    expect(ackedSales.sort()).toEqual([...keys].sort());
    for (const u of uploads.filter((x) => x.done.type !== 'ok'))
      expect(u.done.type, JSON.stringify(u.done)).toBe('fail');
    // The store holds each once, from batches it received exactly once.
    const storeSales = state.offlineSales.filter((s) => keys.has(s.saleId));
    expect(storeSales).toHaveLength(keys.size);
    const batches = new Set(storeSales.map((s) => s.batchId));
    for (const b of state.offlineBatches.filter((x) => batches.has(x.batchId))) expect(b.uploads).toBe(1);
    const taken = state.ledger.filter((e) => e.refType === 'offline-sale' && keys.has(e.refId));
    expect(taken.length).toBe(keys.size);
    expect(fleetStats['pos.held-offline']).toBe(0);
  });

  it('marketplace webhooks arrive at least once; duplicates and late deliveries are harmless', () => {
    const deliveries = history.outcomes(OP.webhook);
    const byEvent = Map.groupBy(deliveries, (d) => (d.inv.value as { eventId: string }).eventId);
    expect(byEvent.size).toBe(12);
    expect(deliveries.length).toBeGreaterThan(12);
    const outcome = (d: (typeof deliveries)[number]) => (d.done.value as WebhookOkValue).outcome;
    expect(deliveries.every((d) => d.done.type === 'ok')).toBe(true);
    for (const ds of byEvent.values()) {
      // Of an event's deliveries exactly one decides (applied or stale); the rest answer duplicate.
      expect(ds.filter((d) => outcome(d) !== 'duplicate')).toHaveLength(1);
    }
    const events = state.webhookEvents.filter((e) => e.eventId.startsWith('mkt-a-'));
    expect(events).toHaveLength(12);
    expect(events.every((e) => e.applications <= 1)).toBe(true);
    const applied = events.filter((e) => e.outcome === 'applied').length;
    expect(state.stock.find((s) => s.sku === 'M-1' && s.store === 'S000')!.onHand).toBe(50 - applied);
  });

  it('RFID readers and barcode scanners publish to Kafka; the store applies each scan once, in sequence', () => {
    const scans = history.outcomes(OP.scan);
    expect(scans.every((s) => s.done.type === 'ok')).toBe(true);
    expect(scans[0]!.done.value).toMatchObject({ partition: expect.any(Number), offset: expect.any(String) });
    expect(new Set(scans.map((s) => String(s.inv.process).split(':')[0]))).toEqual(
      new Set(['rfid', 'scanner']),
    );
    const events = state.scanEvents.filter((e) => e.sku === 'S-1');
    expect(events).toHaveLength(4);
    expect(events.every((e) => e.applications <= 1)).toBe(true);
    const published = Map.groupBy(scans, (s) => (s.inv.value as { scanId: string }).scanId);
    for (const e of events) expect(e.deliveries).toBe(published.get(e.scanId)!.length);
    expect(state.stock.find((s) => s.sku === 'S-1' && s.store === 'S001')!.onHand).toBe(47);
  });

  it('the checkers read every value the fleets recorded and find nothing wrong in the history', () => {
    const index = indexHistory(history.entries);
    expect([...index.unreadable]).toEqual([]);
    expect([index.orphanCompletions, index.duplicateInvokes]).toEqual([0, 0]);
    // No final state is read here (the oracle is another module): history-only verdicts.
    const invalid = checkAll(index, undefined).filter((r) => r.valid === false);
    expect(invalid.map((r) => `${r.name}: ${r.explanation}`)).toEqual([]);
  });

  it('replays a generated minute of returns-wave trading through every fleet', async () => {
    const options = { profile: 'returns-wave', seed: 3, durationS: 60, stores: 2, skus: 60 };
    const catalog = catalogFor(options);
    await api.reset();
    const seeded = await api.seed(
      catalog.skus.map((k) => ({
        sku: k.sku,
        priceCents: k.priceCents,
        stock: Object.fromEntries([
          [catalog.onlineLocation, k.stockOnline],
          ...catalog.stores.map((st) => [st, k.stockPerStore]),
        ]),
      })),
    );
    expect(seeded.status).toBeLessThan(300);
    const { header, events } = generateRecording(options);
    const plan = planRecording(header, events, { speed: 4 });
    const replayed = new MemoryHistory();
    const fleet = new FleetClient({
      storeUrl: store.url,
      kafkaBrokers: stack.kafkaBrokers,
      pos: { prices: new Map(catalog.skus.map((k) => [k.sku, k.priceCents])) },
      tailMs: 5_000,
    });
    const stats = await new OpenModelScheduler(fleet, {
      runId: 'gen',
      clock: new RunClock(),
      history: replayed,
    }).run(fleet.plan(plan.ops));
    const outcomes = new Map<string, number>();
    for (const e of replayed.entries) {
      if (e.type === 'ok' || e.type === 'fail' || e.type === 'info') {
        const k = `${e.f} ${e.type}${e.error ? ` ${e.error.code}` : ''}`;
        outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
      }
    }
    console.log(
      `generated: ${plan.ops.length} planned ops, ${JSON.stringify(stats)}\n`,
      Object.fromEntries(outcomes),
      fleet.stats(),
    );
    expect(stats.sent).toBeGreaterThan(plan.ops.length * 0.9);
    expect(stats.info).toBe(0);
    const index = indexHistory(replayed.entries);
    expect([...index.unreadable]).toEqual([]);
  });
});
