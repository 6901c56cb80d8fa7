import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { startTestStack } from './support/stack-fixture.ts';

async function withClient<T>(config: pg.ClientConfig, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PostgreSQL primary and streaming standby (sync replication)', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await startTestStack('pg');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the primary accepts writes and the standby replays them, with measured lag', async () => {
    await withClient(stack.postgres('postgres-a'), async (c) => {
      await c.query('CREATE TABLE sales (id int primary key, sku text not null)');
      await c.query(`INSERT INTO sales SELECT g, 'SKU-' || g FROM generate_series(1, 500) g`);
    });
    const started = performance.now();
    const count = await withClient(stack.postgres('postgres-b'), (c) =>
      waitFor(async () => {
        const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM sales').catch(() => undefined);
        return r && Number(r.rows[0]!.n) === 500 ? 500 : undefined;
      }, 10_000),
    );
    const visibleAfterMs = performance.now() - started;
    expect(count).toBe(500);
    const lag = await withClient(stack.postgres('postgres-a', 'direct', 'postgres'), (c) =>
      c.query<{ state: string; replay_lag_ms: number | null; sync_state: string }>(
        `SELECT state, sync_state, extract(epoch from replay_lag) * 1000 AS replay_lag_ms FROM pg_stat_replication`,
      ),
    );
    expect(lag.rows[0]?.state).toBe('streaming');
    expect(lag.rows[0]?.sync_state).toBe('sync');
    console.log(
      `standby visibility ${visibleAfterMs.toFixed(1)} ms; replay_lag ${lag.rows[0]?.replay_lag_ms ?? 0} ms`,
    );
    await expect(
      withClient(stack.postgres('postgres-b'), (c) => c.query(`INSERT INTO sales VALUES (999, 'x')`)),
    ).rejects.toThrow(/read-only/);
  });

  it('a commit does not return while the replication proxy is disabled, and returns once it is back', async () => {
    const repl = await stack.toxiproxy.get('repl-ab');
    const client = new pg.Client(stack.postgres('postgres-a'));
    await client.connect();
    try {
      await repl.update({ enabled: false, listen: repl.listen, upstream: repl.upstream });
      let committedAt: number | undefined;
      const commit = client.query(`INSERT INTO sales VALUES (1001, 'SKU-held')`).then(() => {
        committedAt = performance.now();
      });
      const disabledAt = performance.now();
      await new Promise((r) => setTimeout(r, 1_500));
      expect(committedAt).toBeUndefined();
      await repl.update({ enabled: true, listen: repl.listen, upstream: repl.upstream });
      await commit;
      expect(committedAt! - disabledAt).toBeGreaterThanOrEqual(1_500);
    } finally {
      const current = await stack.toxiproxy.get('repl-ab');
      if (!current.enabled)
        await current.update({ enabled: true, listen: current.listen, upstream: current.upstream });
      await client.end();
    }
    const onStandby = await withClient(stack.postgres('postgres-b'), (c) =>
      waitFor(
        async () =>
          (await c.query('SELECT 1 FROM sales WHERE id = 1001')).rowCount === 1 ? true : undefined,
        10_000,
      ),
    );
    expect(onStandby).toBe(true);
  });

  it('promoting the standby makes it writable', async () => {
    await stack.promoteStandby();
    await withClient(stack.postgres('postgres-b'), async (c) => {
      expect((await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(false);
      await c.query(`INSERT INTO sales VALUES (2001, 'after-failover')`);
      expect((await c.query('SELECT sku FROM sales WHERE id = 2001')).rows[0].sku).toBe('after-failover');
    });
  });
});

describe('a standby bootstrapped without pg_basebackup (the npm PostgreSQL build has none)', () => {
  it('copies the primary under the low-level backup API and streams from it', async () => {
    const { LocalStack } = await import('../src/stack/local-stack.ts');
    const { tempStackDir } = await import('./support/stack-fixture.ts');
    await using stack = await new LocalStack()
      .withDir(tempStackDir('copy'))
      .withStandbyBootstrap('copy')
      .start();
    await withClient(stack.postgres('postgres-a'), async (c) => {
      await c.query('CREATE TABLE copied (id int primary key)');
      await c.query('INSERT INTO copied SELECT generate_series(1, 100)');
    });
    const n = await withClient(stack.postgres('postgres-b'), (c) =>
      waitFor(async () => {
        const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM copied').catch(() => undefined);
        return r && Number(r.rows[0]!.n) === 100 ? 100 : undefined;
      }, 10_000),
    );
    expect(n).toBe(100);
  });
});
