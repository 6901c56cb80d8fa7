// Region loss with the reference store as two OS processes on the local stack:
// the correct store fails over to region b with every acknowledged sale, and
// `ack-before-replicate` loses sales it acknowledged. One stack per case, as promotion is one-way.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreFinalState } from '../src/reference-store/final-state.ts';
import { StoreClient } from '../src/reference-store/store-client.ts';
import { postgresUrl, storeConfig } from '../src/reference-store/store-config.ts';
import { startStoreProcess } from '../src/reference-store/store-process.ts';
import { startStore } from '../src/reference-store/store-server.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { StackControl } from '../src/stack/stack-control.ts';
import { startTestStack } from './support/stack-fixture.ts';

const STORE = 'S001';
const SKUS = Array.from({ length: 20 }, (_, i) => `FO-${i}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const checkoutBody = (i: number) => ({
  channel: 'pos',
  store: STORE,
  terminal: `T${i % 4}`,
  lines: [{ sku: SKUS[i % SKUS.length]!, qty: 1 }],
  tenders: [{ kind: 'card', amountCents: 1_000 }],
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function setProxy(stack: StartedLocalStack, name: string, enabled: boolean): Promise<void> {
  const proxy = await stack.toxiproxy.get(name);
  await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
}

/** Region a is gone: its store and database killed, its proxies disabled. */
async function loseRegionA(stack: StartedLocalStack, storeA: { kill: () => void; exited: Promise<unknown> }) {
  storeA.kill();
  await storeA.exited;
  await setProxy(stack, 'db-a', false);
  await setProxy(stack, 'repl-ab', false);
  await new StackControl(stack.dir).kill('postgres-a');
}

function orderIds(state: StoreFinalState): Set<string> {
  return new Set(state.orders.map((o) => o.orderId));
}

async function seed(api: StoreClient): Promise<void> {
  expect(
    (await api.seed(SKUS.map((sku) => ({ sku, priceCents: 1_000, stock: { [STORE]: 100_000 } })))).status,
  ).toBe(201);
}

describe('region loss, correct store (sync replication, automatic failover)', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await startTestStack('store-failover');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('store-b takes writes within the detection window and every acknowledged sale is there', async () => {
    const shared = {
      kafkaBrokers: stack.kafkaBrokers,
      logLevel: 'warn' as const,
      failoverDetectionMs: 2_000,
    };
    await using a = await startStoreProcess(
      storeConfig({ region: 'a', pgUrl: postgresUrl(stack.postgres('postgres-a', 'proxy')), ...shared }),
    );
    await using b = await startStoreProcess(
      storeConfig({
        region: 'b',
        pgUrl: postgresUrl(stack.postgres('postgres-b', 'proxy')),
        peerUrl: a.url,
        ...shared,
      }),
    );
    const apiA = new StoreClient(a.url, { timeoutMs: 5_000 });
    const apiB = new StoreClient(b.url, { timeoutMs: 5_000 });
    await seed(apiA);
    await until(
      async () =>
        (await apiB.request<{ failover: { peer: { healthy: boolean } } }>('GET', '/health')).body.failover
          .peer.healthy
          ? true
          : undefined,
      10_000,
      'b to see a healthy',
    );

    const acked: string[] = [];
    let indeterminate = 0;
    let stopping = false;
    let n = 0;
    const loops = Array.from({ length: 8 }, async () => {
      while (!stopping) {
        try {
          const res = await apiA.checkout(checkoutBody(n++), randomUUID());
          if (res.status === 201) acked.push((res.body as { orderId: string }).orderId);
        } catch {
          indeterminate++;
          await sleep(20);
        }
      }
    });
    await sleep(2_500);
    await loseRegionA(stack, a);
    const lostAt = Date.now();
    stopping = true;
    await Promise.all(loops);

    await until(
      async () => ((await apiB.health()).body.role === 'primary' ? true : undefined),
      20_000,
      'b to take over',
    );
    const takeoverMs = Date.now() - lostAt;
    const after = await apiB.checkout(checkoutBody(0), randomUUID());
    expect(after.status).toBe(201);
    expect((after.body as { region: string }).region).toBe('b');

    const state = await apiB.state();
    const onB = orderIds(state);
    expect(acked.length).toBeGreaterThan(20);
    expect(acked.filter((id) => !onB.has(id))).toEqual([]);
    expect(state.readFromStandby).toBe(false);
    expect(takeoverMs).toBeLessThan(10_000);
    console.log(
      `failover: ${acked.length} sales acknowledged by a, ${indeterminate} indeterminate, all acknowledged on b; b took writes ${takeoverMs} ms after the loss`,
    );
  });
});

describe('region loss with ack-before-replicate', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await startTestStack('store-ack');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the correct store does not acknowledge a sale while the standby cannot have it', async () => {
    const store = await startStore(
      storeConfig({
        region: 'a',
        pgUrl: postgresUrl(stack.postgres('postgres-a', 'proxy')),
        logLevel: 'error',
      }),
    );
    const api = new StoreClient(store.url, { timeoutMs: 2_000 });
    try {
      await seed(api);
      await setProxy(stack, 'repl-ab', false);
      const key = randomUUID();
      await expect(api.checkout(checkoutBody(1), key)).rejects.toThrow(/timeout|aborted/i);
      await setProxy(stack, 'repl-ab', true);
      // Once the standby has it, the commit returns and a retry replays that sale.
      const replay = await until(
        async () => {
          const res = await api.checkout(checkoutBody(1), key);
          return res.status === 201 ? res : undefined;
        },
        20_000,
        'the held commit to complete',
      );
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
    } finally {
      await setProxy(stack, 'repl-ab', true);
      await store.close();
    }
  });

  it('acknowledges sales the standby never received, and losing region a loses them', async () => {
    const pg = (name: 'postgres-a' | 'postgres-b') => postgresUrl(stack.postgres(name, 'proxy'));
    await using a = await startStoreProcess(
      storeConfig({ region: 'a', pgUrl: pg('postgres-a'), defect: 'ack-before-replicate', logLevel: 'warn' }),
    );
    await using b = await startStoreProcess(
      storeConfig({
        region: 'b',
        pgUrl: pg('postgres-b'),
        peerUrl: a.url,
        failover: 'manual',
        logLevel: 'warn',
      }),
    );
    const apiA = new StoreClient(a.url, { timeoutMs: 5_000 });
    const apiB = new StoreClient(b.url, { timeoutMs: 5_000 });
    const before = await apiA.checkout(checkoutBody(2), randomUUID());
    expect(before.status).toBe(201);
    await until(
      async () =>
        orderIds(await apiB.state()).has((before.body as { orderId: string }).orderId) ? true : undefined,
      10_000,
      'the standby to replay',
    );

    await setProxy(stack, 'repl-ab', false);
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await apiA.checkout(checkoutBody(i), randomUUID());
      expect(res.status).toBe(201);
      acked.push((res.body as { orderId: string }).orderId);
    }
    await loseRegionA(stack, a);
    const failover = await apiB.failover();
    expect(failover.status).toBe(200);

    const onB = orderIds(await apiB.state());
    expect(onB.has((before.body as { orderId: string }).orderId)).toBe(true);
    const lost = acked.filter((id) => !onB.has(id));
    expect(lost).toHaveLength(acked.length);
  });
});
