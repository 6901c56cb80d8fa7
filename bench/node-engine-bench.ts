// Node engine throughput and timing: the open-model scheduler's highest rate
// kept up on one thread (one core) against a null HTTP target with the full
// history written, beside autocannon's closed-loop maximum against the same
// target in the same run; and p99 schedule lateness at 5,000 ops/s.
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

    const peer = await autocannon({ url: server.url, connections: CONNECTIONS, pipelining: 1, duration: 5 });

    // Open model: offer ever higher constant rates; the engine's throughput is the highest it keeps up with.
    let keptUp = 0;
    let keptUpLatenessP99 = 0;
    let onTime = 0;
    let firstBehind = 0;
    for (let rate = 5_000; rate <= 100_000; rate += rate < 20_000 ? 2_500 : 5_000) {
      const plan = constantRate(rate, STEP_MS);
      const stats = await engineRun(server.url, dir, `rate-${rate}`, plan);
      if (stats.dropped > 0 || stats.sent < plan.length || stats.durationMs > STEP_MS + KEPT_UP_SLACK_MS) {
        firstBehind = rate;
        break;
      }
      keptUp = rate;
      keptUpLatenessP99 = stats.latenessP99Ms;
      if (stats.latenessP99Ms <= ON_TIME_P99_MS) onTime = rate;
    }

    const at5k = await engineRun(server.url, dir, 'lateness-5k', constantRate(5_000, 10_000));
    const ratio = peer.requests.average > 0 ? keptUp / peer.requests.average : 0;
    return {
      'autocannon closed-loop req/s (64 conns)': Math.round(peer.requests.average),
      'autocannon errors + non-2xx': peer.errors + peer.non2xx,
      'engine ops/s kept up, 1 thread, history': keptUp,
      'engine p99 lateness at that rate, ms': keptUpLatenessP99,
      'engine first rate fallen behind, ops/s': firstBehind,
      [`engine ops/s with p99 lateness <= ${ON_TIME_P99_MS} ms`]: onTime,
      'ratio engine / autocannon (goal >= 0.6)': Math.round(ratio * 100) / 100,
      'p99 lateness at 5,000 ops/s, ms (goal <= 2)': at5k.latenessP99Ms,
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
