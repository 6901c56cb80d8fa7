import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { startTestStack } from './support/stack-fixture.ts';

async function roundTripMs(client: pg.Client, samples = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await client.query('SELECT 1');
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(samples / 2)]!;
}

async function standbyHas(stack: StartedLocalStack, id: number): Promise<boolean> {
  const c = new pg.Client(stack.postgres('postgres-b'));
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM t WHERE id = $1', [id])).rowCount === 1;
  } finally {
    await c.end();
  }
}

describe('Toxiproxy faults on the stack links (toxiproxy-node-client)', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await startTestStack('toxi', 'async');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a 200 ms latency toxic on db-a adds at least 200 ms to a PostgreSQL round trip through it', async () => {
    const client = new pg.Client(stack.postgres('postgres-a', 'proxy'));
    await client.connect();
    const proxy = await stack.toxiproxy.get('db-a');
    try {
      const before = await roundTripMs(client);
      const toxic = await proxy.addToxic({
        name: 'db-a-latency',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 200, jitter: 0 },
      });
      const during = await roundTripMs(client);
      await toxic.remove();
      const after = await roundTripMs(client);
      console.log(
        `round trip through db-a: before ${before.toFixed(1)} ms, with toxic ${during.toFixed(1)} ms, after ${after.toFixed(1)} ms`,
      );
      expect(during - before).toBeGreaterThanOrEqual(200);
      expect(after).toBeLessThan(100);
    } finally {
      await client.end();
    }
  });

  it('disabling repl-ab stops replication and enabling it resumes', async () => {
    const primary = new pg.Client(stack.postgres('postgres-a'));
    await primary.connect();
    const repl = await stack.toxiproxy.get('repl-ab');
    try {
      await primary.query('CREATE TABLE t (id int primary key)');
      await primary.query('INSERT INTO t VALUES (1)');
      await expect.poll(() => standbyHas(stack, 1), { timeout: 10_000 }).toBe(true);

      await repl.update({ enabled: false, listen: repl.listen, upstream: repl.upstream });
      await primary.query('INSERT INTO t VALUES (2)');
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await standbyHas(stack, 2)).toBe(false);

      await repl.update({ enabled: true, listen: repl.listen, upstream: repl.upstream });
      await expect.poll(() => standbyHas(stack, 2), { timeout: 15_000, interval: 100 }).toBe(true);
    } finally {
      const current = await stack.toxiproxy.get('repl-ab');
      if (!current.enabled)
        await current.update({ enabled: true, listen: current.listen, upstream: current.upstream });
      await primary.end();
    }
  });
});
