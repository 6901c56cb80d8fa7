// A cycle count on a real store while sales go on: the shelf is counted, a sale
// is made, and only then is the count applied (the scan consumer's lag). The
// correct store keeps the sale on top of the count; `count-erases-sales` undoes it.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DefectName } from '../src/reference-store/defects.ts';
import { StoreClient } from '../src/reference-store/store-client.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { produce } from './support/kafka-test-clients.ts';
import { startStoreOn, startTestStack } from './support/stack-fixture.ts';
import { until } from './support/until.ts';

const STORE = 'S001';

describe('cycle count while sales continue', () => {
  let stack: StartedLocalStack;

  beforeAll(async () => {
    stack = await startTestStack('cycle-count');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const sell = async (api: StoreClient, sku: string, qty: number) => {
    const answer = await api.checkout(
      {
        channel: 'pos',
        store: STORE,
        lines: [{ sku, qty }],
        tenders: [{ kind: 'cash', amountCents: 100 * qty }],
      },
      randomUUID(),
    );
    expect(answer.status).toBe(201);
  };

  /**
   * 20 on the shelf; 2 sold; the shelf is counted: 17 (one unit gone missing); 3 sold;
   * then the count arrives. Returns the stock after it and the count's ledger delta.
   */
  async function countAfterSale(defect: DefectName | undefined, sku: string, withCountedAt = true) {
    const store = await startStoreOn(stack, defect);
    try {
      const api = new StoreClient(store.url);
      expect((await api.reset()).status).toBe(200);
      await api.seed([{ sku, priceCents: 100, stock: { [STORE]: 20 } }]);
      await sell(api, sku, 2);
      // Clear of the sales either side by far more than the clocks' resolution.
      await sleep(20);
      const countedAt = new Date().toISOString();
      await sleep(20);
      await sell(api, sku, 3);
      const scan = { scanId: `${sku}-1`, kind: 'cycle-count', sku, store: STORE, sequence: 1, qty: 17 };
      await produce(stack.kafkaBrokers, 'cycle-count-test', 'scans', [
        { key: sku, value: JSON.stringify(withCountedAt ? { ...scan, countedAt } : scan) },
      ]);
      const state = await until(
        async () => {
          const s = await api.state();
          return s.scanEvents.some((e) => e.sku === sku && e.applications === 1) ? s : undefined;
        },
        30_000,
        `the count of ${sku} to be applied`,
      );
      const entry = state.ledger.find((e) => e.reason === 'cycle-count' && e.sku === sku);
      return { onHand: (await api.stock(sku)).body.total, countDelta: entry?.delta ?? 0 };
    } finally {
      await store.close();
    }
  }

  it('the correct store keeps a sale made after the count was taken', async () => {
    // 17 counted, 3 sold since: 14 on the shelf; the count takes off only the missing unit.
    expect(await countAfterSale(undefined, 'CC-OK')).toEqual({ onHand: 14, countDelta: -1 });
  });

  it('count-erases-sales sets the counted level and puts the 3 units sold since back', async () => {
    expect(await countAfterSale('count-erases-sales', 'CC-BAD')).toEqual({ onHand: 17, countDelta: 2 });
  });

  it('a count without countedAt is taken as of its application, as before', async () => {
    expect(await countAfterSale(undefined, 'CC-OLD', false)).toEqual({ onHand: 17, countDelta: 2 });
  });
});
