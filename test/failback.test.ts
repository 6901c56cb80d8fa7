// The failback drill on the real local stack with the reference store as supervised
// processes: region a is lost, b takes over and sells, a comes back fenced, and the
// `failback` fault makes a the writer again (fresh base backup from b through repl-ba,
// rejoin, step-down, replay to b's last LSN, promote). Every sale of both regions must
// be on a afterwards, and b must take no write. An unfinished handover settles back
// to the region that was writing, so the system is never left without a writer.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleFailback } from '../src/faults/failback.ts';
import { Nemesis } from '../src/faults/nemesis.ts';
import { StoreClient } from '../src/reference-store/store-client.ts';
import { LocalStack, type StartedLocalStack } from '../src/stack/local-stack.ts';
import { StackControl } from '../src/stack/stack-control.ts';
import { tempStackDir } from './support/stack-fixture.ts';
import { until } from './support/until.ts';

const STORE = 'S001';
const SKUS = Array.from({ length: 10 }, (_, i) => `FB-${i}`);

function storeOf(stack: StartedLocalStack, region: 'a' | 'b'): StoreClient {
  return new StoreClient(stack.state.endpoints[`store-${region}`]!.url!);
}

async function sell(api: StoreClient, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await api.checkout(
      {
        channel: 'pos',
        store: STORE,
        terminal: 'T1',
        lines: [{ sku: SKUS[i % SKUS.length]!, qty: 1 }],
        tenders: [{ kind: 'card', amountCents: 1_000 }],
      },
      randomUUID(),
    );
    expect(res.status, res.text).toBe(201);
    ids.push((res.body as { orderId: string }).orderId);
  }
  return ids;
}

async function role(api: StoreClient): Promise<string | undefined> {
  const res = await api.health().catch(() => undefined);
  return (res?.body as { role?: string } | undefined)?.role;
}

async function readOnly(stack: StartedLocalStack, server: 'postgres-a' | 'postgres-b'): Promise<string> {
  const c = new pg.Client(stack.postgres(server));
  await c.connect();
  try {
    return (await c.query<{ v: string }>("SELECT current_setting('default_transaction_read_only') AS v"))
      .rows[0]!.v;
  } finally {
    await c.end();
  }
}

async function setReadOnly(stack: StartedLocalStack, server: 'postgres-a' | 'postgres-b'): Promise<void> {
  const c = new pg.Client(stack.postgres(server, 'direct'));
  await c.connect();
  try {
    await c.query('ALTER SYSTEM SET default_transaction_read_only = on');
    await c.query('SELECT pg_reload_conf()');
  } finally {
    await c.end();
  }
}

describe('failback: region a becomes the writer again with every sale b took', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await new LocalStack()
      .withDir(tempStackDir('failback'))
      .withReferenceStore({ failover: 'auto', failoverDetectionMs: 1_000 })
      .start();
    const seed = await storeOf(stack, 'a').seed(
      SKUS.map((sku) => ({ sku, priceCents: 1_000, stock: { [STORE]: 100_000 } })),
    );
    expect(seed.status).toBe(201);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is refused with a reason while region a is still the writer', async () => {
    const nemesis = Nemesis.forStack(stack.dir);
    await expect(nemesis.start({ kind: 'failback', target: 'a' })).rejects.toThrow(
      /nothing to fail back from: region b is not the writer/,
    );
    expect(await role(storeOf(stack, 'a'))).toBe('primary');
  });

  it('loses a, sells on b, fails back to a: every sale is on a and b takes no write', async () => {
    const a = storeOf(stack, 'a');
    const b = storeOf(stack, 'b');
    const beforeLoss = await sell(a, 20);
    const nemesis = Nemesis.forStack(stack.dir);
    const loss = await nemesis.start({ kind: 'region-loss', target: 'a' });
    await until(async () => ((await role(b)) === 'primary' ? true : undefined), 20_000, 'b to take over');
    const onB = await sell(b, 30);
    await nemesis.stop(loss);
    // Region a is back, fenced: its database is the old primary's, diverged from b.
    expect(await role(a)).toBe('fenced');

    const failback = await nemesis.start({ kind: 'failback', target: 'a' });
    await nemesis.stop(failback);
    expect(await role(a)).toBe('primary');
    expect(await role(b)).toBe('fenced');
    const afterFailback = await sell(a, 10);

    const orders = new Set((await a.state()).orders.map((o) => o.orderId));
    for (const id of [...beforeLoss, ...onB, ...afterFailback]) expect(orders.has(id), id).toBe(true);
    expect(await readOnly(stack, 'postgres-b')).toBe('on');
    expect(await readOnly(stack, 'postgres-a')).toBe('off');
    // b refuses writes with the answer that sends clients to a.
    const refused = await b.checkout(
      { channel: 'pos', store: STORE, terminal: 'T1', lines: [{ sku: SKUS[0]!, qty: 1 }], tenders: [] },
      randomUUID(),
    );
    expect(refused.status).toBe(503);
    expect((refused.body as { error?: string }).error).toBe('not-writable');
    // The replication link the failback used is the stack's own, and nothing was left on it.
    expect(new StackControl(stack.dir).isRunning('postgres-a')).toBe(true);
    expect(await nemesis.clearLeftovers()).toEqual([]);
  });

  it('a handover interrupted after the step-down settles back to the writer', async () => {
    const a = storeOf(stack, 'a');
    // A failback to b that died between freezing the writer and promoting b.
    expect((await a.request('POST', '/admin/step-down')).status).toBe(200);
    await setReadOnly(stack, 'postgres-a');
    expect(await role(a)).toBe('fenced');
    await settleFailback(stack.state, { to: 'b', from: 'a' });
    expect(await role(a)).toBe('primary');
    expect(await readOnly(stack, 'postgres-a')).toBe('off');
    expect(await sell(a, 3)).toHaveLength(3);
  });
});
