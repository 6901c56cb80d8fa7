// Node engine throughput and timing: the open-model scheduler's highest rate
// kept up on one thread (one core) against a null HTTP target with the full
// history written, beside autocannon's closed-loop maximum against the same
// target (same server process, same 64 connections) in the same run; and p99
// schedule lateness at 5,000 ops/s. Both sides are medians of three runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNullServer } from '../simulators/testing/null-http-server.ts';
import { HttpClient } from '../src/engines/http-client.ts';
import { OpenModelScheduler, type SchedulerStats } from '../src/engines/open-model-scheduler.ts';
import { HistoryWriter } from '../src/history/history-writer.ts';
import { RunClock } from '../src/history/run-clock.ts';
import { runHeader } from '../src/model/history-entry.ts';
import type { PlannedOp } from '../src/model/planned-op.ts';

const CONNECTIONS = 64;
const STEP_MS = 3_000;
const PEER_SECONDS = 4;
/** A step kept up when every op was sent and the last completion came within this long of the plan's end. */
const KEPT_UP_SLACK_MS = 500;
/** …and was on time when, besides, p99 schedule lateness stayed at most this. */
const ON_TIME_P99_MS = 5;

interface AutocannonResult {
  readonly requests: { readonly average: number };
  readonly errors: number;
  readonly non2xx: number;
}
// autocannon ships no types; this is the one call used.
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  pipelining: number;
  duration: number;
}) => Promise<AutocannonResult>;

/** The run whose `key` is the median of three (or the middle one of any odd count). */
function median<T>(runs: readonly T[], key: (r: T) => number): T {
  return [...runs].sort((a, b) => key(a) - key(b))[runs.length >> 1]!;
}

function constantRate(rate: number, durationMs: number): PlannedOp[] {
  const n = Math.round((rate * durationMs) / 1_000);
  return Array.from({ length: n }, (_, i) => ({
    atMs: (i * 1_000) / rate,
    f: 'checkout',
    process: `web:shopper-${i % 256}`,
    value: { sku: `SKU-${i % 1_000}`, qty: 1 },
  }));
}

async function engineRun(url: string, dir: string, name: string, plan: PlannedOp[]): Promise<SchedulerStats> {
  const clock = new RunClock();
  const history = await HistoryWriter.open(join(dir, `${name}.ndjson`));
  history.append(runHeader({ runId: name, startedAt: clock.startedAt, t0: clock.t0 }));
  const client = new HttpClient({
    baseUrl: url,
    connections: CONNECTIONS,
    toRequest: (op) => ({ path: '/checkout', body: op.value }),
  });
  try {
    return await new OpenModelScheduler(client, { runId: name, clock, history, timeoutMs: 10_000 }).run(plan);
  } finally {
    await history.close();
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'peakdrill-node-engine-bench-'));
  const server = await startNullServer();
  try {
    // Warm both paths (JIT, connections) before measuring either.
    await autocannon({ url: server.url, connections: CONNECTIONS, pipelining: 1, duration: 1 });
    await engineRun(server.url, dir, 'warm', constantRate(2_000, 1_000));

    // The peer is measured three times (before, between and after the engine's steps) and the
    // median taken, so a neighbour's burst on a shared machine skews neither side alone.
    const peerRuns: AutocannonResult[] = [];
    const measurePeer = async () => {
      peerRuns.push(
        await autocannon({
          url: server.url,
          connections: CONNECTIONS,
          pipelining: 1,
          duration: PEER_SECONDS,
        }),
      );
    };
    await measurePeer();

    // Open model: offer ever higher constant rates; the engine's throughput is the highest it keeps up with.
    let keptUp = 0;
    let keptUpLatenessP99 = 0;
    let onTime = 0;
    let firstBehind = 0;
    const step = async (rate: number): Promise<boolean> => {
      const plan = constantRate(rate, STEP_MS);
      const stats = await engineRun(server.url, dir, `rate-${rate}`, plan);
      if (stats.dropped > 0 || stats.sent < plan.length || stats.durationMs > STEP_MS + KEPT_UP_SLACK_MS) {
        firstBehind = firstBehind === 0 ? rate : Math.min(firstBehind, rate);
        return false;
      }
      if (rate > keptUp) {
        keptUp = rate;
        keptUpLatenessP99 = stats.latenessP99Ms;
      }
      if (stats.latenessP99Ms <= ON_TIME_P99_MS) onTime = Math.max(onTime, rate);
      return true;
    };
    for (let rate = 5_000; rate <= 100_000; rate += rate < 20_000 ? 2_500 : 5_000) {
      if (!(await step(rate))) break;
    }
    await measurePeer();
    // The coarse steps put the maximum between two rates 2,500 to 5,000 apart: narrow it down,
    // so the ratio moves with the engine and not with where a step happens to fall.
    for (let i = 0; i < 3 && firstBehind > 0 && firstBehind - keptUp > 250; i++) {
      await step(Math.round((keptUp + firstBehind) / 2 / 50) * 50);
    }

    await measurePeer();
    // Lateness: three 5 s runs, the median p99 (one run's p99 can be a neighbour's GC or compile).
    const at5kRuns: SchedulerStats[] = [];
    for (let i = 0; i < 3; i++) {
      at5kRuns.push(await engineRun(server.url, dir, `lateness-5k-${i}`, constantRate(5_000, 5_000)));
    }
    const at5k = median(at5kRuns, (r) => r.latenessP99Ms);
    const peer = median(peerRuns, (r) => r.requests.average);
    const ratio = peer.requests.average > 0 ? keptUp / peer.requests.average : 0;
    return {
      'autocannon closed-loop req/s (64 conns)': Math.round(peer.requests.average),
      'autocannon runs, req/s': peerRuns.map((r) => Math.round(r.requests.average)).join(' / '),
      'autocannon errors + non-2xx': peerRuns.reduce((n, r) => n + r.errors + r.non2xx, 0),
      'engine ops/s kept up, 1 thread, history': keptUp,
      'engine p99 lateness at that rate, ms': keptUpLatenessP99,
      'engine first rate fallen behind, ops/s': firstBehind,
      [`engine ops/s with p99 lateness <= ${ON_TIME_P99_MS} ms`]: onTime,
      'ratio engine / autocannon (goal >= 0.6)': Math.round(ratio * 100) / 100,
      'p99 lateness at 5,000 ops/s, ms (goal <= 2)': at5k.latenessP99Ms,
      'p99 lateness at 5,000 ops/s, runs, ms': at5kRuns.map((r) => r.latenessP99Ms).join(' / '),
      'p50 lateness at 5,000 ops/s, ms': at5k.latenessP50Ms,
      'max lateness at 5,000 ops/s, ms': at5k.latenessMaxMs,
      'p99 latency at 5,000 ops/s, ms': at5k.latencyP99Ms,
      'dropped at 5,000 ops/s': at5k.dropped,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
