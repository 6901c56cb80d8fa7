// Each seeded defect of the reference store, shown to really misbehave on real
// PostgreSQL and Kafka, next to what the correct store does with the same input.
// (ack-before-replicate needs a region loss: see reference-store-failover.test.ts.)
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DefectName } from '../src/reference-store/defects.ts';
import type { StoreFinalState } from '../src/reference-store/final-state.ts';
import { StoreClient } from '../src/reference-store/store-client.ts';
import { postgresUrl, type StoreConfig, storeConfig } from '../src/reference-store/store-config.ts';
import { startStore } from '../src/reference-store/store-server.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { produce } from './support/kafka-test-clients.ts';
import { startTestStack } from './support/stack-fixture.ts';
import { until } from './support/until.ts';

const STORE = 'S001';
const key = () => randomUUID();

describe('reference store seeded defects', () => {
  let stack: StartedLocalStack;

  beforeAll(async () => {
    stack = await startTestStack('store-defects');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Runs fn against a fresh, empty store of region a with this defect (or none), then stops it. */
  async function withStore<T>(
    defect: DefectName | undefined,
    fn: (api: StoreClient) => Promise<T>,
    extra: Partial<StoreConfig> = {},
  ): Promise<T> {
    const store = await startStore(
      storeConfig({
        region: 'a',
        pgUrl: postgresUrl(stack.postgres('postgres-a', 'proxy')),
        defect,
        logLevel: 'error',
        ...extra,
      }),
    );
    try {
      const api = new StoreClient(store.url);
      expect((await api.reset()).status).toBe(200);
      return await fn(api);
    } finally {
      await store.close();
    }
  }

  const sellOut = (api: StoreClient) =>
    Promise.all(
      Array.from({ length: 200 }, () =>
        api.checkout(
          {
            channel: 'web',
            store: STORE,
            lines: [{ sku: 'HOT', qty: 1 }],
            tenders: [{ kind: 'card', amountCents: 500 }],
          },
          key(),
        ),
      ),
    );

  it('oversell-race: 200 concurrent checkouts for 50 units sell more than 50', async () => {
    const run = async (defect: DefectName | undefined) =>
      withStore(defect, async (api) => {
        await api.seed([{ sku: 'HOT', priceCents: 500, stock: { [STORE]: 50 } }]);
        const answers = await sellOut(api);
        const state = await api.state();
        return {
          sold: answers.filter((a) => a.status === 201).length,
          orders: state.orders.length,
          onHand: state.stock[0]!.onHand,
        };
      });
    const correct = await run(undefined);
    const defective = await run('oversell-race');
    expect(correct).toEqual({ sold: 50, orders: 50, onHand: 0 });
    expect(defective.sold).toBeGreaterThan(50);
    expect(defective.orders).toBe(defective.sold);
    // Stock still never goes negative (CHECK): the lost updates hide the oversell in the stock figure.
    expect(defective.onHand).toBeGreaterThanOrEqual(0);
  });

  it('webhook-no-dedupe: a storm of duplicate deliveries changes stock many times', async () => {
    await withStore('webhook-no-dedupe', async (api) => {
      await api.seed([{ sku: 'MKT', priceCents: 900, stock: { [STORE]: 1_000 } }]);
      const event = { eventId: 'evt-1', type: 'order.placed', sku: 'MKT', store: STORE, sequence: 7, qty: 2 };
      for (let round = 0; round < 4; round++)
        await Promise.all(Array.from({ length: 10 }, () => api.webhook(event)));
      await api.webhook({ ...event, eventId: 'evt-old', sequence: 3 });
      const state = await api.state();
      const delivered = state.webhookEvents.find((e) => e.eventId === 'evt-1')!;
      expect(delivered.deliveries).toBe(40);
      expect(delivered.applications).toBe(40);
      expect(state.webhookEvents.find((e) => e.eventId === 'evt-old')!.applications).toBe(1);
      expect((await api.stock('MKT')).body.total).toBe(1_000 - 41 * 2);
    });
  });

  it('offline-double-apply: a batch retried five times takes its stock five times', async () => {
    const run = (defect: DefectName | undefined) =>
      withStore(defect, async (api) => {
        await api.seed([{ sku: 'OFF', priceCents: 300, stock: { [STORE]: 100 } }]);
        const batch = {
          batchId: 'B-1',
          store: STORE,
          terminal: 'T3',
          sales: [1, 2].map((n) => ({
            saleId: `T3-${n}`,
            soldAt: `2025-11-28T10:0${n}:00Z`,
            lines: [{ sku: 'OFF', qty: 3, unitPriceCents: 300 }],
            tenders: [{ kind: 'cash', amountCents: 900 }],
          })),
        };
        for (let upload = 0; upload < 5; upload++) expect((await api.offlineSync(batch)).status).toBe(200);
        const state = await api.state();
        return {
          onHand: (await api.stock('OFF')).body.total,
          ledgerPerSale: state.ledger.filter((e) => e.refId === 'T3-1').length,
          orders: state.orders.length,
        };
      });
    expect(await run(undefined)).toEqual({ onHand: 94, ledgerPerSale: 1, orders: 2 });
    expect(await run('offline-double-apply')).toEqual({ onHand: 70, ledgerPerSale: 5, orders: 2 });
  });

  it('refund-overflow: concurrent or re-keyed retries of a multi-tender refund pay a tender beyond what it took', async () => {
    const run = (defect: DefectName | undefined) =>
      withStore(defect, async (api) => {
        await api.seed([{ sku: 'RET', priceCents: 1_000, stock: { [STORE]: 1_000 } }]);
        let worst = 0;
        for (let round = 0; round < 8; round++) {
          const order = await api.checkout(
            {
              channel: 'pos',
              store: STORE,
              lines: [{ sku: 'RET', qty: 2 }],
              tenders: [
                { kind: 'card', amountCents: 1_200 },
                { kind: 'gift_card', amountCents: 800 },
              ],
            },
            key(),
          );
          const orderId = (order.body as { orderId: string }).orderId;
          // A till that timed out retries the same return under a new key, twice over.
          await Promise.all(
            Array.from({ length: 6 }, () =>
              api.returnOrder(orderId, { store: STORE, lines: [{ sku: 'RET', qty: 2 }] }, key()),
            ),
          );
          worst = Math.max(worst, overpaid(await api.state(), orderId));
        }
        return worst;
      });
    expect(await run(undefined)).toBe(0);
    expect(await run('refund-overflow')).toBeGreaterThan(0);
  });

  it('unordered-scans: a stale cycle count arriving late overwrites newer stock', async () => {
    const run = (defect: DefectName | undefined, sku: string) =>
      withStore(
        defect,
        async (api) => {
          await api.seed([{ sku, priceCents: 100, stock: { [STORE]: 0 } }]);
          await produce(
            stack.kafkaBrokers,
            'defect-scans',
            'scans',
            [
              { scanId: `${sku}-3`, kind: 'cycle-count', sequence: 3, qty: 40 },
              { scanId: `${sku}-2`, kind: 'cycle-count', sequence: 2, qty: 10 },
            ].map((s) => ({ key: sku, value: JSON.stringify({ ...s, sku, store: STORE }) })),
          );
          await until(
            async () =>
              (await api.state()).scanEvents.filter((e) => e.sku === sku).length === 2 ? true : undefined,
            30_000,
            `both scans of ${sku} to be consumed`,
          );
          return (await api.stock(sku)).body.total;
        },
        { kafkaBrokers: stack.kafkaBrokers },
      );
    expect(await run(undefined, 'CNT-OK')).toBe(40);
    expect(await run('unordered-scans', 'CNT-BAD')).toBe(10);
  });

  it('slow-failover: region b has not taken over long after the detection window', async () => {
    const primary = await startStore(
      storeConfig({
        region: 'a',
        pgUrl: postgresUrl(stack.postgres('postgres-a', 'proxy')),
        logLevel: 'error',
      }),
    );
    const standby = await startStore(
      storeConfig({
        region: 'b',
        pgUrl: postgresUrl(stack.postgres('postgres-b', 'proxy')),
        peerUrl: primary.url,
        defect: 'slow-failover',
        failoverDetectionMs: 1_000,
        logLevel: 'error',
      }),
    );
    try {
      const b = new StoreClient(standby.url);
      await until(
        async () =>
          (await b.request<{ failover: { peer: { healthy: boolean } } }>('GET', '/health')).body.failover.peer
            .healthy
            ? true
            : undefined,
        10_000,
        'b to see a healthy',
      );
      await primary.close();
      // Ten detection windows later, a correct region b would long since have taken writes.
      await new Promise((r) => setTimeout(r, 10_000));
      const health = await b.request<{
        role: string;
        failover: { detectionMs: number; peer: { healthy: boolean; unhealthyForMs: number } };
      }>('GET', '/health');
      expect(health.body.role).toBe('standby');
      expect(health.body.failover.detectionMs).toBe(90_000);
      expect(health.body.failover.peer.healthy).toBe(false);
      expect(health.body.failover.peer.unhealthyForMs).toBeGreaterThan(9_000);
      const refused = await b.checkout(
        {
          channel: 'web',
          store: STORE,
          lines: [{ sku: 'HOT', qty: 1 }],
          tenders: [{ kind: 'card', amountCents: 500 }],
        },
        key(),
      );
      expect(refused.status).toBe(503);
    } finally {
      await standby.close();
      await primary.close();
    }
  });
});

/** The most any tender of this order was refunded beyond what it took (0 when none was). */
function overpaid(state: StoreFinalState, orderId: string): number {
  const order = state.orders.find((o) => o.orderId === orderId)!;
  return Math.max(
    0,
    ...order.tenders.map(
      (t) =>
        state.refunds.filter((r) => r.tenderId === t.tenderId).reduce((sum, r) => sum + r.amountCents, 0) -
        t.amountCents,
    ),
  );
}
