import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Nemesis } from '../src/faults/nemesis.ts';
import type { FaultSpec } from '../src/model/fault-spec.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { StackControl } from '../src/stack/stack-control.ts';
import { startTestStack } from './support/stack-fixture.ts';

/** One query through a fresh connection; returns its time or the error it met. */
async function query(
  config: pg.ClientConfig,
  sql: string,
  timeoutMs = 3_000,
): Promise<{ ms: number; error?: string; rows?: Record<string, unknown>[] }> {
  const t0 = performance.now();
  const client = new pg.Client({ ...config, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    const r = await client.query(sql);
    return { ms: performance.now() - t0, rows: r.rows };
  } catch (error) {
    return { ms: performance.now() - t0, error: (error as Error).message };
  } finally {
    await client.end().catch(() => {});
  }
}

describe('the nemesis applies each fault with a measurable effect and heals it', () => {
  let stack: StartedLocalStack;
  let nemesis: Nemesis;
  let viaDbA: pg.ClientConfig;
  beforeAll(async () => {
    stack = await startTestStack('nemesis', 'async');
    viaDbA = stack.postgres('postgres-a', 'proxy');
    const c = new pg.Client(stack.postgres('postgres-a'));
    await c.connect();
    await c.query(`CREATE TABLE blob AS SELECT repeat('x', 1000) AS v FROM generate_series(1, 2000)`);
    await c.end();
  });
  afterEach(async () => {
    expect(await nemesis.healAll()).toEqual([]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function during<T>(spec: FaultSpec, fn: () => Promise<T>): Promise<T> {
    nemesis = Nemesis.forStack(stack.dir);
    const fault = await nemesis.start(spec);
    try {
      return await fn();
    } finally {
      await nemesis.stop(fault);
    }
  }

  it('latency with jitter slows every round trip', async () => {
    const r = await during(
      { kind: 'latency', target: 'db-a', latencyMs: 150, jitterMs: 10, direction: 'downstream', toxicity: 1 },
      () => query(viaDbA, 'select 1'),
    );
    expect(r.error).toBeUndefined();
    expect(r.ms).toBeGreaterThanOrEqual(140);
    expect((await query(viaDbA, 'select 1')).ms).toBeLessThan(140);
  });

  it('bandwidth throttles a 2 MB read', async () => {
    const sql = 'select v from blob';
    const base = await query(viaDbA, sql);
    const slow = await during(
      { kind: 'bandwidth', target: 'db-a', rateKBps: 1_000, direction: 'downstream', toxicity: 1 },
      () => query(viaDbA, sql, 10_000),
    );
    expect(slow.error).toBeUndefined();
    expect(slow.ms).toBeGreaterThan(1_500);
    expect(slow.ms).toBeGreaterThan(base.ms * 5);
  });

  it('timeout (blackhole) makes a query hang until the client gives up', async () => {
    const r = await during(
      { kind: 'timeout', target: 'db-a', timeoutMs: 0, direction: 'downstream', toxicity: 1 },
      () => query(viaDbA, 'select 1', 1_000),
    );
    expect(r.error).toMatch(/timeout|terminated/i);
  });

  it('reset-peer cuts connections', async () => {
    const r = await during(
      { kind: 'reset-peer', target: 'db-a', timeoutMs: 0, direction: 'upstream', toxicity: 1 },
      () => query(viaDbA, 'select 1'),
    );
    expect(r.error).toBeDefined();
  });

  it('limit-data closes a connection after the given bytes', async () => {
    const r = await during(
      { kind: 'limit-data', target: 'db-a', bytes: 20_000, direction: 'downstream', toxicity: 1 },
      () => query(viaDbA, 'select v from blob', 5_000),
    );
    expect(r.error).toBeDefined();
    expect((await query(viaDbA, 'select count(*) from blob')).error).toBeUndefined();
  });

  it('slicer with a per-slice delay stretches a response', async () => {
    const r = await during(
      {
        kind: 'slicer',
        target: 'db-a',
        averageSize: 64,
        sizeVariation: 0,
        delayUs: 2_000,
        direction: 'downstream',
        toxicity: 1,
      },
      () => query(viaDbA, `select repeat('y', 10000)`, 10_000),
    );
    expect(r.error).toBeUndefined();
    expect(r.ms).toBeGreaterThan(200);
  });

  it('slow-close delays closing the socket but not the answer', async () => {
    const r = await during(
      { kind: 'slow-close', target: 'db-a', delayMs: 500, direction: 'downstream', toxicity: 1 },
      () => query(viaDbA, 'select 1'),
    );
    expect(r.error).toBeUndefined();
  });

  it('partition refuses traffic; healing lets it through again', async () => {
    const r = await during({ kind: 'partition', target: 'db-a' }, () => query(viaDbA, 'select 1', 1_000));
    expect(r.error).toBeDefined();
    expect((await query(viaDbA, 'select 1')).error).toBeUndefined();
  });

  it('cutover sends new connections to another upstream and back', async () => {
    const b = stack.state.endpoints['postgres-b']!;
    const r = await during({ kind: 'cutover', target: 'db-a', upstream: `127.0.0.1:${b.port}` }, () =>
      query(viaDbA, 'select pg_is_in_recovery() as standby'),
    );
    expect(r.rows?.[0]?.standby).toBe(true);
    expect((await query(viaDbA, 'select pg_is_in_recovery() as standby')).rows?.[0]?.standby).toBe(false);
  });

  it('process-pause freezes postgres-b (SIGSTOP) until healed (SIGCONT)', async () => {
    const direct = stack.postgres('postgres-b');
    const r = await during({ kind: 'process-pause', target: 'postgres-b' }, () =>
      query(direct, 'select 1', 1_000),
    );
    expect(r.error).toBeDefined();
    expect((await query(direct, 'select 1')).error).toBeUndefined();
  });

  it('process-kill crashes postgres-b; healing restarts it and it streams again', async () => {
    const control = new StackControl(stack.dir);
    const pidBefore = control.pid('postgres-b');
    const r = await during({ kind: 'process-kill', target: 'postgres-b' }, async () => {
      expect(control.isRunning('postgres-b')).toBe(false);
      return query(stack.postgres('postgres-b'), 'select 1', 1_000);
    });
    expect(r.error).toBeDefined();
    expect(control.pid('postgres-b')).not.toBe(pidBefore);
    expect((await query(stack.postgres('postgres-b'), 'select pg_is_in_recovery() as s')).rows?.[0]?.s).toBe(
      true,
    );
  });

  it('replication-pause holds changes back from the standby until healed', async () => {
    await query(stack.postgres('postgres-a'), 'create table rp (id int)');
    await during({ kind: 'replication-pause', target: 'repl-ab' }, async () => {
      await query(stack.postgres('postgres-a'), 'insert into rp values (1)');
      await new Promise((r) => setTimeout(r, 1_000));
      expect(
        (await query(stack.postgres('postgres-b'), 'select count(*)::int as n from rp')).rows?.[0]?.n,
      ).toBe(0);
    });
    await expect
      .poll(
        async () =>
          (await query(stack.postgres('postgres-b'), 'select count(*)::int as n from rp')).rows?.[0]?.n,
        { timeout: 10_000 },
      )
      .toBe(1);
  });

  it('region-loss disables region a and kills its processes; healing brings them back', async () => {
    const control = new StackControl(stack.dir);
    await during({ kind: 'region-loss', target: 'a' }, async () => {
      expect(control.isRunning('postgres-a')).toBe(false);
      expect((await stack.toxiproxy.get('db-a')).enabled).toBe(false);
      expect((await query(viaDbA, 'select 1', 1_000)).error).toBeDefined();
      // Region b and the shared parts are untouched.
      expect(control.isRunning('postgres-b')).toBe(true);
      expect((await stack.toxiproxy.get('db-b')).enabled).toBe(true);
    });
    expect(control.isRunning('postgres-a')).toBe(true);
    expect((await query(viaDbA, 'select 1')).error).toBeUndefined();
  });

  it('a fault on something the stack does not declare is refused before anything is journaled', async () => {
    nemesis = Nemesis.forStack(stack.dir);
    await expect(nemesis.start({ kind: 'partition', target: 'prod-db' })).rejects.toThrow(
      /not a proxy of this stack.*|prod-db/,
    );
    expect(nemesis.activeFaults).toEqual([]);
  });

  it('clearLeftovers heals what a run that died mid-fault left, from the journal and a sweep', async () => {
    const crashed = Nemesis.forStack(stack.dir, { runTag: 'crashed' });
    await crashed.start({
      kind: 'latency',
      target: 'db-a',
      latencyMs: 500,
      jitterMs: 0,
      direction: 'downstream',
      toxicity: 1,
    });
    await crashed.start({ kind: 'partition', target: 'db-b' });
    // The run dies here without healing; the next one cleans up.
    nemesis = Nemesis.forStack(stack.dir);
    const healed = await nemesis.clearLeftovers();
    expect(healed.join('\n')).toMatch(/latency on db-a \(run crashed\)/);
    expect(healed.join('\n')).toMatch(/partition on db-b \(run crashed\)/);
    expect(
      (await stack.toxiproxy.getApi().get(`${(await stack.toxiproxy.get('db-a')).getPath()}/toxics`)).data,
    ).toEqual([]);
    expect((await stack.toxiproxy.get('db-b')).enabled).toBe(true);
    expect(await nemesis.clearLeftovers()).toEqual([]);
  });

  it('db-failover promotes the standby (the one fault with no undo)', async () => {
    await during({ kind: 'db-failover', target: 'postgres-b' }, async () => {
      await expect
        .poll(
          async () =>
            (await query(stack.postgres('postgres-b'), 'select pg_is_in_recovery() as s')).rows?.[0]?.s,
          { timeout: 10_000 },
        )
        .toBe(false);
    });
    expect(
      (await query(stack.postgres('postgres-b'), 'create table after_failover (id int)')).error,
    ).toBeUndefined();
  });
});
