import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenModelScheduler } from '../src/engines/open-model-scheduler.ts';
import { RunClock } from '../src/history/run-clock.ts';
import type { CompletionEntry, HistoryEntry, InvokeEntry } from '../src/model/history-entry.ts';
import { OP, opValueSchemas } from '../src/model/op-values.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import { FleetClient, type FleetClientOptions } from './fleet-client.ts';
import { FLEET_WAIT_F } from './fleet-plan-stream.ts';
import { FakeStore } from './testing/fake-store.ts';

class MemoryHistory {
  readonly entries: HistoryEntry[] = [];
  append(entry: HistoryEntry): void {
    this.entries.push(structuredClone(entry));
  }
  /** Invokes of `f`, or of every device op (the stream's fleet-wait no-ops left out). */
  invokes(f?: string): InvokeEntry[] {
    return this.entries.filter(
      (e): e is InvokeEntry => e.type === 'invoke' && (f === undefined ? e.f !== FLEET_WAIT_F : e.f === f),
    );
  }
  completionOf(op: string): CompletionEntry {
    return this.entries.find((e) => e.type !== 'invoke' && 'op' in e && e.op === op) as CompletionEntry;
  }
}

let store: FakeStore;
beforeEach(async () => {
  store = await new FakeStore().start();
});
afterEach(async () => {
  await store.stop();
});

async function run(ops: ReplayOp[], options: Partial<FleetClientOptions> = {}) {
  const history = new MemoryHistory();
  const fleet = new FleetClient({ storeUrl: store.url, tailMs: 10_000, ...options });
  const scheduler = new OpenModelScheduler(fleet, {
    runId: 'r',
    clock: new RunClock(),
    history,
    timeoutMs: 5_000,
  });
  const stats = await scheduler.run(fleet.plan(ops));
  // Every op has exactly one completion, and every value has its op-values shape.
  for (const inv of history.entries.filter((e): e is InvokeEntry => e.type === 'invoke')) {
    const done = history.completionOf(inv.op);
    expect(done, inv.op).toBeDefined();
    const schemas = opValueSchemas[inv.f as keyof typeof opValueSchemas];
    if (schemas === undefined) continue;
    expect(schemas.invoke.safeParse(inv.value).success, JSON.stringify(inv.value)).toBe(true);
    if (done.type === 'ok')
      expect(schemas.ok.safeParse(done.value).success, JSON.stringify(done.value)).toBe(true);
  }
  return { history, stats, fleet };
}

const checkout = (
  atMs: number,
  process: string,
  key: string,
  extra: Record<string, unknown> = {},
): ReplayOp => ({
  atMs,
  f: OP.checkout,
  process,
  source: `ev-${key}`,
  value: {
    channel: process.startsWith('pos') ? 'pos' : 'web',
    store: process.startsWith('pos') ? 'S001' : 'S000',
    lines: [{ sku: 'SKU-1', qty: 2 }],
    tenders: [{ type: 'cash', amountCents: 1_000 }],
    idempotencyKey: key,
    ...extra,
  },
});

describe('FleetClient against a fake store', () => {
  it('a web shopper reads stock, checks out and returns against the order the store acknowledged', async () => {
    const { history, fleet } = await run(
      [
        checkout(600, 'web:shopper-1', 'k1', { tenders: [{ type: 'card', amountCents: 1_000 }] }),
        {
          atMs: 900,
          f: OP.return,
          process: 'web:shopper-1',
          source: 'ret-1',
          orderKey: 'k1',
          value: { orderId: 'ev-k1', store: 'S000', lines: [{ sku: 'SKU-1', qty: 1 }], idempotencyKey: 'r1' },
        },
      ],
      { pos: false, webhook: false },
    );
    expect(history.invokes().map((e) => e.f)).toEqual([OP.readStock, OP.checkout, OP.return]);
    const orderId = store.orders.get('k1')!.orderId;
    expect(history.invokes(OP.return)[0]!.value).toMatchObject({ orderId });
    expect(store.seen.map((s) => s.path)).toEqual([
      '/stock/SKU-1',
      '/checkout',
      `/orders/${orderId}/returns`,
    ]);
    expect(history.completionOf(history.invokes(OP.return)[0]!.op)).toMatchObject({
      type: 'ok',
      value: { orderId, refunds: [{ type: 'card', amountCents: 100 }] },
    });
    expect(fleet.stats()['plan.emitted']).toBe(3 + fleet.stats()['plan.waits']!);
  });

  it('retries a checkout that timed out with the same Idempotency-Key, as its own op', async () => {
    store.hang.set('/checkout', 1);
    const { history, fleet } = await run(
      [checkout(0, 'web:shopper-2', 'k2'), checkout(3_000, 'web:shopper-3', 'k3')],
      {
        web: { timeoutMs: 300, retryAfterMs: 200, stockReads: false },
        pos: false,
        webhook: false,
      },
    );
    const attempts = history
      .invokes(OP.checkout)
      .filter((e) => (e.value as { idempotencyKey: string }).idempotencyKey === 'k2');
    expect(attempts).toHaveLength(2);
    expect(history.completionOf(attempts[0]!.op)).toMatchObject({ type: 'info' });
    expect(history.completionOf(attempts[1]!.op)).toMatchObject({ type: 'ok' });
    // The scheduler continued the shopper as a new process after the info.
    expect(attempts[1]!.process).toBe('web:shopper-2#1');
    expect(attempts[1]!.scheduledNs - attempts[0]!.scheduledNs).toBeGreaterThanOrEqual(480e6);
    expect(store.seen.filter((s) => s.key === 'k2')).toHaveLength(2);
    expect(fleet.stats()['web.retries']).toBe(1);
    expect(fleet.stats()['web.retry-not-needed']).toBeUndefined();
  });

  it('retries after a timeout of the last op too, past the end of the plan', async () => {
    store.hang.set('/checkout', 1);
    const { history } = await run([checkout(0, 'web:shopper-2', 'k4')], {
      web: { timeoutMs: 300, retryAfterMs: 100, stockReads: false },
      pos: false,
      webhook: false,
    });
    expect(history.invokes(OP.checkout).map((e) => history.completionOf(e.op).type)).toEqual(['info', 'ok']);
  });

  it('a POS lane sells offline while the store is unreachable and uploads the batch once it is back', async () => {
    const url = store.url;
    await store.stop();
    const ops = Array.from({ length: 8 }, (_, i) => checkout(i * 100, 'pos:S001:lane-1', `p${i}`));
    setTimeout(() => void store.start(), 1_200);
    const { history, fleet } = await run(ops, {
      storeUrl: url,
      web: false,
      webhook: false,
      pos: { prices: new Map([['SKU-1', 500]]), syncAfterMs: 200, syncRetryMs: 300, uplinkTimeoutMs: 500 },
    });
    const sales = history.invokes(OP.checkout).map((e) => history.completionOf(e.op));
    expect(sales.every((c) => c.type === 'fail' && c.error?.code === 'sold-offline')).toBe(true);
    const syncs = history.invokes(OP.offlineSync).map((e) => ({ inv: e, done: history.completionOf(e.op) }));
    const ok = syncs.filter((s) => s.done.type === 'ok');
    expect(syncs.length).toBeGreaterThan(1);
    expect(syncs.slice(0, -1).every((s) => s.done.type === 'fail')).toBe(true);
    // One batch, acknowledged once: the store holds each of the 8 sales once.
    expect(ok).toHaveLength(1);
    expect((ok[0]!.inv.value as { sales: unknown[] }).sales).toHaveLength(8);
    expect(store.offlineSales.size).toBe(8);
    expect(store.seen.filter((s) => s.path === '/pos/offline-sync')).toHaveLength(1);
    expect(fleet.stats()).toMatchObject({
      'pos.sold-offline': 8,
      'pos.batches-synced': 1,
      'pos.held-offline': 0,
    });
  });

  it('declines offline sales beyond its limits and tenders that need the uplink', async () => {
    const url = store.url;
    await store.stop();
    const { history, fleet } = await run(
      [
        checkout(0, 'pos:S001:lane-1', 'a', { tenders: [{ type: 'gift_card', amountCents: 1_000 }] }),
        checkout(10, 'pos:S001:lane-1', 'b', { lines: [{ sku: 'SKU-2', qty: 1 }] }),
        checkout(20, 'pos:S001:lane-1', 'c'),
        checkout(30, 'pos:S001:lane-1', 'd'),
      ],
      {
        storeUrl: url,
        web: false,
        webhook: false,
        tailMs: 0,
        pos: { prices: new Map([['SKU-1', 500]]), offline: { maxSales: 1, maxSaleCents: 5_000 } },
      },
    );
    const codes = history.invokes(OP.checkout).map((e) => history.completionOf(e.op).error);
    expect(codes.map((e) => e?.code)).toEqual([
      'offline-declined',
      'offline-declined',
      'sold-offline',
      'offline-declined',
    ]);
    expect(codes.map((e) => e?.message)).toEqual([
      'gift_card needs the uplink',
      'no local price for SKU-2',
      expect.any(String),
      '1 offline sales already held',
    ]);
    expect(fleet.stats()['pos.held-offline']).toBe(1);
  });

  it('delivers webhooks at least once: a 503 is redelivered, planned duplicates answer duplicate', async () => {
    store.unavailable.set('/webhooks', 1);
    const ops: ReplayOp[] = Array.from({ length: 20 }, (_, i) => ({
      atMs: i * 20,
      f: OP.webhook,
      process: 'webhook:mkt-a',
      source: `wh-${i}`,
      value: {
        eventId: `e${i}`,
        sku: `SKU-${i % 3}`,
        store: 'S000',
        sequence: i + 1,
        kind: 'order.placed',
        delta: -1,
      },
    }));
    const { history, fleet } = await run(ops, {
      web: false,
      pos: false,
      webhook: { duplicateRate: 0.3, reorderRate: 0, redeliverAfterMs: 100, seed: 4 },
    });
    const outcomes = history.invokes(OP.webhook).map((e) => history.completionOf(e.op));
    expect(outcomes.filter((c) => c.type === 'fail' && c.error?.code === 'not-writable')).toHaveLength(1);
    expect(fleet.stats()['webhook.redeliveries']).toBe(1);
    // Every event reached the store; repeats were answered `duplicate`.
    expect(store.webhookEvents.size).toBe(20);
    const dups = outcomes.filter(
      (c) => c.type === 'ok' && (c.value as { outcome: string }).outcome === 'duplicate',
    );
    expect(dups.length).toBe(history.invokes(OP.webhook).length - 21);
    expect(dups.length).toBeGreaterThan(0);
  });

  it('leaves out a return whose order was refused, and a level webhook the store cannot take', async () => {
    store.unavailable.set('/checkout', 1);
    const { history, fleet } = await run(
      [
        checkout(0, 'web:shopper-1', 'k9'),
        {
          atMs: 200,
          f: OP.return,
          process: 'web:shopper-1',
          source: 'ret-9',
          orderKey: 'k9',
          value: { orderId: 'ev-k9', store: 'S000', lines: [{ sku: 'SKU-1', qty: 1 }], idempotencyKey: 'r9' },
        },
        {
          atMs: 300,
          f: OP.webhook,
          process: 'webhook:mkt-a',
          source: 'lvl',
          value: { eventId: 'lvl', sku: 'SKU-1', sequence: 1, kind: 'inventory', absolute: 4 },
        },
      ],
      { pos: false, web: { stockReads: false } },
    );
    expect(history.invokes().map((e) => e.f)).toEqual([OP.checkout]);
    expect(fleet.stats()).toMatchObject({
      'plan.left-out.return-of-fail-order': 1,
      'plan.left-out.webhook-level-event': 1,
    });
  });
});
