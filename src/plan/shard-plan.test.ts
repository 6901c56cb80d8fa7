import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Client, OpenModelScheduler } from '../engines/open-model-scheduler.ts';
import { mergeHistories } from '../history/history-merge.ts';
import { HistoryWriter } from '../history/history-writer.ts';
import { RunClock } from '../history/run-clock.ts';
import { runHeader, type Shard } from '../model/history-entry.ts';
import type { PlannedOp } from '../model/planned-op.ts';
import { indexRunHistories } from '../run/check-run.ts';
import { executionSegment, formatShard, parseShard, shardPlan } from './shard-plan.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-shard-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan: PlannedOp[] = Array.from({ length: 600 }, (_, i) => ({
  atMs: i * 0.5,
  f: i % 7 === 0 ? 'return' : 'checkout',
  process: i % 5 === 0 ? `pos:S00${i % 3}:lane-${i % 4}` : `web:shopper-${i % 37}`,
  value: { n: i },
}));

/** A client that answers at once: ok, but every 9th op info (so devices get renamed). */
const client: Client = {
  open: async () => {},
  close: async () => {},
  invoke: async (op) => ((op.value as { n: number }).n % 9 === 0 ? { type: 'info' } : { type: 'ok' }),
};

async function run(
  name: string,
  ops: PlannedOp[],
  shard?: Shard,
  end: 'completed' | 'aborted' | 'none' = 'completed',
): Promise<string> {
  const path = join(dir, `${name}.ndjson`);
  const clock = new RunClock();
  const history = await HistoryWriter.open(path);
  history.append(
    runHeader({ runId: 'run', ...(shard ? { shard } : {}), startedAt: clock.startedAt, t0: clock.t0 }),
  );
  await new OpenModelScheduler(client, { runId: 'run', ...(shard ? { shard } : {}), clock, history }).run(
    ops,
  );
  if (end !== 'none') history.append({ type: 'end', status: end, atNs: clock.nowNs() });
  await history.close();
  return path;
}

async function opCounts(paths: string[]) {
  const ops = new Set<string>();
  const byType: Record<string, number> = {};
  for await (const { entry } of mergeHistories(paths)) {
    if (!('op' in entry)) continue;
    byType[entry.type] = (byType[entry.type] ?? 0) + 1;
    ops.add(entry.op);
  }
  return { ops: ops.size, byType };
}

describe('node engine sharding (--shard i/n)', () => {
  it('puts every op in exactly one shard, a device always in the same one, in plan order', () => {
    const shards = [0, 1, 2].map((index) => shardPlan(plan, { index, count: 3 }));
    expect(shards.reduce((n, s) => n + s.length, 0)).toBe(plan.length);
    expect(new Set(shards.flat()).size).toBe(plan.length);
    for (const s of shards) {
      expect(s.length).toBeGreaterThan(0);
      expect(s.map((o) => o.atMs)).toEqual([...s.map((o) => o.atMs)].sort((a, b) => a - b));
    }
    const home = new Map<string | number, number>();
    shards.forEach((s, i) => {
      for (const op of s) {
        expect(home.get(op.process) ?? i).toBe(i);
        home.set(op.process, i);
      }
    });
    // Deterministic.
    expect(shardPlan(plan, { index: 1, count: 3 })).toEqual(shards[1]);
    expect(shardPlan(plan, { index: 0, count: 1 })).toEqual(plan);
  });

  it('two shard histories merge to the op count of one unsharded run, op ids unique', async () => {
    const whole = await run('whole', plan);
    const halves = await Promise.all(
      [0, 1].map((index) => run(`half-${index}`, shardPlan(plan, { index, count: 2 }), { index, count: 2 })),
    );
    const one = await opCounts([whole]);
    const two = await opCounts(halves);
    expect(one.ops).toBe(plan.length);
    expect(two).toEqual(one);
  });

  it('a merged run finished only if every shard did: the worst end wins, a missing one is missing', async () => {
    const shards = [0, 1].map((index) => ({ index, count: 2 }));
    const ops = shards.map((shard) => shardPlan(plan.slice(0, 40), shard));
    const done = await Promise.all(shards.map((s, i) => run(`done-${i}`, ops[i]!, s)));
    expect((await indexRunHistories(done)).endStatus).toBe('completed');
    // The shard that ended last completed; the other was aborted earlier.
    const aborted = await run('aborted-0', ops[0]!, shards[0], 'aborted');
    const late = await run('late-1', ops[1]!, shards[1]);
    expect((await indexRunHistories([aborted, late])).endStatus).toBe('aborted');
    const cut = await run('cut-0', ops[0]!, shards[0], 'none');
    expect((await indexRunHistories([cut, done[1]!])).endStatus).toBeUndefined();
  });

  it('reads --shard as people write it, and gives k6 the matching execution segment', () => {
    expect(parseShard('1/2')).toEqual({ index: 0, count: 2 });
    expect(parseShard(' 3 / 3 ')).toEqual({ index: 2, count: 3 });
    expect(formatShard({ index: 0, count: 2 })).toBe('1/2');
    for (const bad of ['0/2', '3/2', '1', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(/--shard/);
    expect(executionSegment({ index: 0, count: 1 })).toEqual({ segment: '0:1', sequence: '0,1' });
    expect(executionSegment({ index: 1, count: 3 })).toEqual({ segment: '1/3:2/3', sequence: '0,1/3,2/3,1' });
    expect(() => shardPlan(plan, { index: 2, count: 2 })).toThrow(/not \{index, count\}/);
  });
});
