// Offline batches at the edge of what the store takes (issue 16 item 11): one
// till cut off from its store long enough to hold more than one upload's worth
// of sales, a tenth of them rung up with an incomplete tender record. When the
// uplink returns it uploads the largest batch the store accepts (500 sales) and
// the rest; the correct store records every sale once, short tenders as rung up,
// and the offline-reconciliation checker agrees from the store's own state.
import type { Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetClient } from '../simulators/fleet-client.ts';
import { checkAll } from '../src/checkers/all-checkers.ts';
import { indexHistory } from '../src/checkers/history-index.ts';
import { OpenModelScheduler } from '../src/engines/open-model-scheduler.ts';
import { RunClock } from '../src/history/run-clock.ts';
import type { FinalState } from '../src/model/final-state.ts';
import { type OfflineSyncInvokeValue, OP } from '../src/model/op-values.ts';
import { readReferenceStoreState } from '../src/oracle/reference-store-oracle.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import { MAX_OFFLINE_SALES } from '../src/reference-store/request-schemas.ts';
import { StoreClient } from '../src/reference-store/store-client.ts';
import type { StartedStore } from '../src/reference-store/store-server.ts';
import { PortAllocator } from '../src/stack/free-port.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { MemoryHistory } from './support/memory-history.ts';
import { startStoreOn, startTestStack } from './support/stack-fixture.ts';

const SALES = MAX_OFFLINE_SALES + 20;
const PRICE = 500;
const UPLINK_BACK_MS = 8_000;

describe('the largest offline batch, with incomplete tender records, against the correct store', () => {
  let stack: StartedLocalStack;
  let store: StartedStore;
  let uplink: ToxiproxyProxy;
  const history = new MemoryHistory();
  let stats: Record<string, number> = {};
  let state: FinalState;

  beforeAll(async () => {
    stack = await startTestStack('offline-batches');
    store = await startStoreOn(stack);
    const api = new StoreClient(store.url);
    expect(
      (await api.seed([{ sku: 'P-1', priceCents: PRICE, stock: { S001: 100_000 } }])).status,
    ).toBeLessThan(300);
    uplink = await stack.toxiproxy.createProxy({
      name: 'pos-uplink',
      listen: `127.0.0.1:${await new PortAllocator().free()}`,
      upstream: new URL(store.url).host,
    });
    const enable = (enabled: boolean) =>
      uplink.update({ enabled, listen: uplink.listen, upstream: uplink.upstream });
    await enable(false);

    const ops: ReplayOp[] = Array.from({ length: SALES }, (_, i) => ({
      atMs: i * 10,
      f: OP.checkout,
      process: 'pos:S001:lane-1',
      source: `sale-${i}`,
      value: {
        idempotencyKey: `till-sale-${i}`,
        channel: 'pos',
        store: 'S001',
        terminal: 'S001-L01',
        lines: [{ sku: 'P-1', qty: 1 }],
        tenders: [{ type: 'cash', amountCents: PRICE }],
      },
    }));
    const fleet = new FleetClient({
      storeUrl: store.url,
      seed: 11,
      tailMs: 30_000,
      pos: {
        baseUrl: `http://${uplink.listen}`,
        prices: new Map([['P-1', PRICE]]),
        uplinkTimeoutMs: 1_000,
        retryOnlineAfterMs: 1_000,
        syncAfterMs: 500,
        syncRetryMs: 700,
        offline: {
          maxSaleCents: 100_000,
          maxSales: SALES + 100,
          cardAllowed: true,
          incompleteTenderRate: 0.1,
        },
      },
    });
    const back = setTimeout(() => void enable(true), UPLINK_BACK_MS);
    try {
      await new OpenModelScheduler(fleet, {
        runId: 'offline-batches',
        clock: new RunClock(),
        history,
        timeoutMs: 10_000,
      }).run(fleet.plan(ops));
      stats = fleet.stats();
      console.log('fleet', JSON.stringify(stats));
    } finally {
      clearTimeout(back);
      await enable(true);
      await fleet.close();
    }
    state = await readReferenceStoreState({ regions: { a: store.url } });
  });

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  });

  it('the till uploads the largest batch the store takes, and the rest, each acknowledged once', () => {
    const sold = history.outcomes(OP.checkout).filter((o) => o.done.error?.code === 'sold-offline');
    expect(sold.length).toBe(SALES);
    const acked = history.outcomes(OP.offlineSync).filter((u) => u.done.type === 'ok');
    const sizes = acked.map((u) => (u.inv.value as OfflineSyncInvokeValue).sales.length);
    console.log(`acknowledged uploads: ${sizes.join(', ')}`);
    expect(Math.max(...sizes)).toBe(MAX_OFFLINE_SALES);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(SALES);
    expect(stats['pos.incomplete-tenders']).toBeGreaterThan(20);
    expect(stats['pos.held-offline']).toBe(0);
  });

  it('every sale is recorded once, an incomplete tender record as rung up, and reconciliation passes', () => {
    const region = state.regions.a!;
    const offlineOrders = region.orders.filter((o) => o.offlineSaleId !== null);
    expect(new Set(offlineOrders.map((o) => o.offlineSaleId)).size).toBe(SALES);
    expect(offlineOrders).toHaveLength(SALES);
    const short = offlineOrders.filter((o) => o.tenders.reduce((s, t) => s + t.amountCents, 0) < PRICE);
    expect(short.length).toBe(stats['pos.incomplete-tenders']);
    for (const o of short)
      expect(o.tenders).toEqual([expect.objectContaining({ type: 'cash', amountCents: PRICE / 2 })]);
    const results = checkAll(indexHistory(history.entries), state);
    const reconciliation = results.find((r) => r.name === 'offline-reconciliation')!;
    expect(reconciliation, JSON.stringify(reconciliation)).toMatchObject({ valid: true });
    expect(reconciliation.figures).toMatchObject({
      acknowledged: SALES,
      lost: 0,
      refused: 0,
      tenderMismatches: 0,
    });
  });
});
