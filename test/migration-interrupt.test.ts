// A cutover killed in its freeze window (SIGKILL: no handler runs), then
// `peakdrill faults clear`: the edge must lead to a side holding every
// acknowledged sale, that side must take writes, and no subscription, slot,
// publication or toxic may be left on either database or proxy.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreClient } from '../src/reference-store/store-client.ts';
import { LocalStack, type StartedLocalStack } from '../src/stack/local-stack.ts';
import { connectionConfig, withClient } from '../src/stack/postgres-service.ts';
import { peakdrill } from './support/cli.ts';
import { tempStackDir } from './support/stack-fixture.ts';
import { until } from './support/until.ts';

const STORE = 'S001';
const sale = (i: number) => ({
  channel: 'pos',
  store: STORE,
  terminal: 'T1',
  lines: [{ sku: `MI-${i % 5}`, qty: 1 }],
  tenders: [{ kind: 'card', amountCents: 1_000 }],
});

/** peakdrill's replication objects on one database: what an interrupted cutover must not leave. */
async function leftovers(stack: StartedLocalStack, db: 'postgres-a' | 'postgres-b'): Promise<string[]> {
  const config = connectionConfig(stack.state.endpoints[db]!.port, stack.state.secrets.pgPassword);
  return withClient(config, async (c) => {
    const r = await c.query<{ what: string }>(
      `SELECT 'slot ' || slot_name AS what FROM pg_replication_slots WHERE slot_name LIKE 'peakdrill_%'
       UNION ALL SELECT 'subscription ' || subname FROM pg_subscription
       UNION ALL SELECT 'publication ' || pubname FROM pg_publication`,
    );
    return r.rows.map((row) => `${db}: ${row.what}`);
  });
}

describe('a migration cutover interrupted in its freeze window', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await new LocalStack()
      .withDir(tempStackDir('migration-interrupt'))
      .withTopology('migration')
      .withReferenceStore({})
      .start();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('SIGKILL, then `faults clear`: blue takes writes again behind the edge, holding every sale, and no CDC is left', async () => {
    const edge = stack.proxy('edge-a');
    const api = new StoreClient(`http://${edge.listen.host}:${edge.listen.port}`, { timeoutMs: 10_000 });
    const blue = new StoreClient(stack.state.endpoints['store-a']!.url!, { timeoutMs: 10_000 });
    expect(
      (
        await api.seed(
          Array.from({ length: 5 }, (_, i) => ({
            sku: `MI-${i}`,
            priceCents: 1_000,
            stock: { [STORE]: 1_000 },
          })),
        )
      ).status,
    ).toBe(201);
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await api.checkout(sale(i), randomUUID());
      expect(res.status).toBe(201);
      acked.push((res.body as { orderId: string }).orderId);
    }
    // A long hold keeps the cutover in its freeze window (CDC already drained and dropped, the
    // fallback set up) until it is killed.
    const inject = peakdrill([
      'faults',
      'inject',
      'migration-cutover',
      '--target',
      'b',
      '--param',
      'holdMs=60000',
      '--param',
      'freezeMs=90000',
      '--for',
      '2m',
      '--dir',
      stack.dir,
    ]);
    await until(
      async () => ((await blue.health()).body?.role === 'frozen' ? true : undefined),
      20_000,
      'blue to freeze',
    );
    // Frozen: a write is refused with a retry answer, nothing written.
    const refused = await api.checkout(sale(99), randomUUID());
    expect(refused.status).toBe(503);
    expect((refused.body as { error?: string }).error).toBe('frozen');
    await until(
      async () =>
        (await leftovers(stack, 'postgres-b')).some((l) => l.includes('peakdrill_fallback'))
          ? true
          : undefined,
      20_000,
      'the fallback CDC',
    );
    inject.child.kill('SIGKILL');
    await inject.done;

    const clear = await peakdrill(['faults', 'clear', '--dir', stack.dir]).done;
    expect(clear.code, clear.stderr).toBe(0);
    expect(clear.stdout + clear.stderr).toContain('migration-cutover');
    expect((await blue.health()).body?.role).toBe('primary');
    expect((await stack.toxiproxy.get('edge-a')).upstream).toBe(
      `${stack.state.endpoints['store-a']!.host}:${stack.state.endpoints['store-a']!.port}`,
    );
    const state = await api.state();
    const orders = new Set(state.orders.map((o) => o.orderId));
    expect(acked.filter((id) => !orders.has(id))).toEqual([]);
    expect((await api.checkout(sale(100), randomUUID())).status).toBe(201);
    expect([...(await leftovers(stack, 'postgres-a')), ...(await leftovers(stack, 'postgres-b'))]).toEqual(
      [],
    );
    const list = await peakdrill(['faults', 'list', '--dir', stack.dir]).done;
    expect(list.stdout).not.toMatch(/migration-cutover/);
  }, 120_000);
});
