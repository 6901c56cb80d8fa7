import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { entryTimeNs, type HistoryEntry, runHeader, type Shard } from '../model/history-entry.ts';
import { mergeHistories } from './history-merge.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-merge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function shardFile(
  shard: Shard | undefined,
  body: readonly unknown[],
  t0 = 1n,
  startedAt = new Date(0),
): string {
  const path = join(dir, `h${n++}.ndjson`);
  const head = runHeader(
    shard === undefined ? { runId: 'r1', startedAt, t0 } : { runId: 'r1', shard, startedAt, t0 },
  );
  writeFileSync(path, [head, ...body].map((e) => `${JSON.stringify(e)}\n`).join(''));
  return path;
}

const probe = (atNs: number, probeName = 'p') => ({
  type: 'probe',
  probe: probeName,
  ok: true,
  latencyMs: 1,
  atNs,
});
const invoke = (op: string, sentNs: number) => ({
  type: 'invoke',
  op,
  process: 1,
  f: 'checkout',
  value: null,
  scheduledNs: sentNs,
  sentNs,
  latenessMs: 0,
});

async function collect(paths: string[]) {
  const merge = mergeHistories(paths);
  const out: { source: number; entry: HistoryEntry }[] = [];
  for await (const m of merge) out.push(m);
  return { out, merge };
}

describe('mergeHistories', () => {
  it('orders entries of all shards by time, ties by shard order, and reports completeness', async () => {
    const a = shardFile({ index: 0, count: 2 }, [
      invoke('r1:0:0', 10),
      invoke('r1:0:1', 30),
      { type: 'end', status: 'completed', atNs: 60 },
    ]);
    const b = shardFile({ index: 1, count: 2 }, [invoke('r1:1:0', 5), invoke('r1:1:1', 30), probe(40)]);
    const { out, merge } = await collect([a, b]);
    expect(out.map((m) => [m.source, entryTimeNs(m.entry)])).toEqual([
      [0, 0],
      [1, 0],
      [1, 5],
      [0, 10],
      [0, 30],
      [1, 30],
      [1, 40],
      [0, 60],
    ]);
    expect(merge.headers.map((h) => h.shard?.index)).toEqual([0, 1]);
    expect(merge.complete).toBe(false);
    expect(merge.truncatedTails).toEqual([false, false]);
  });

  it('is a stable sort by time of all shards, for any sorted shards', async () => {
    const shardArb = fc.array(fc.nat(1_000), { maxLength: 20 }).map((ts) => ts.sort((x, y) => x - y));
    await fc.assert(
      fc.asyncProperty(fc.array(shardArb, { minLength: 1, maxLength: 5 }), async (shards) => {
        const paths = shards.map((ts, i) =>
          shardFile(
            { index: i, count: shards.length },
            ts.map((t) => probe(t, `s${i}`)),
          ),
        );
        const { out } = await collect(paths);
        const expected = shards
          .flatMap((ts, i) => [[i, 0] as const, ...ts.map((t) => [i, t] as const)])
          .sort((x, y) => x[1] - y[1] || x[0] - y[0]);
        expect(out.map((m) => [m.source, entryTimeNs(m.entry)])).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('puts histories with different clocks on one timeline by their start time', async () => {
    const a = shardFile({ index: 0, count: 2 }, [probe(5)], 1n, new Date(1_000));
    const b = shardFile({ index: 1, count: 2 }, [probe(5)], 99n, new Date(1_002));
    const { out, merge } = await collect([a, b]);
    expect(merge.offsetsNs).toEqual([0, 2_000_000]);
    // b's header sits at b's offset; its probe moved onto a's timeline.
    expect(out.map((m) => [m.source, m.entry.type, entryTimeNs(m.entry)])).toEqual([
      [0, 'run', 0],
      [0, 'probe', 5],
      [1, 'run', 0],
      [1, 'probe', 2_000_005],
    ]);
  });

  it('refuses two histories of the same run and shard', async () => {
    const a = shardFile({ index: 0, count: 2 }, []);
    const b = shardFile({ index: 0, count: 2 }, []);
    await expect(collect([a, b])).rejects.toThrow(/both run r1 shard 0\/2: their op ids would collide/);
  });

  it('refuses an op id outside its shard prefix and a shard that goes back in time', async () => {
    const stray = shardFile({ index: 1, count: 2 }, [invoke('r1:0:7', 5)]);
    await expect(collect([stray])).rejects.toThrow(/:2 op id r1:0:7 does not start with r1:1:/);
    const backwards = shardFile(undefined, [probe(10), probe(9)]);
    await expect(collect([backwards])).rejects.toThrow(/:3 goes back in time/);
  });
});
