// What live metrics cost the node engine. The engine thread is never idle (the
// open-model scheduler spins for its timing), so CPU time says nothing; instead the
// same plan (10,000 checkouts/s for 3 s against a null HTTP target, history
// written) runs with the Prometheus tap on RunTally, and the time spent inside the
// tap (timer included, so an overestimate) is taken as a share of the run: the
// engine's ops/s per core with metrics on is at least (1 - share) of it with them
// off. Beside it, the same plan with the tap off, so dropped ops or lateness show
// if the tap made the engine fall behind. Median of five alternating pairs. Issue
// 14's goal: metrics on / off >= 0.97.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNullServer } from '../simulators/testing/null-http-server.ts';
import { HttpClient } from '../src/engines/http-client.ts';
import { OpenModelScheduler } from '../src/engines/open-model-scheduler.ts';
import { HistoryWriter } from '../src/history/history-writer.ts';
import { RunClock } from '../src/history/run-clock.ts';
import { RunMetrics } from '../src/metrics/run-metrics.ts';
import { type HistoryEntry, runHeader } from '../src/model/history-entry.ts';
import type { PlannedOp } from '../src/model/planned-op.ts';
import { RunTally } from '../src/run/run-tally.ts';

const RATE = 10_000;
const DURATION_MS = 3_000;
const PAIRS = 5;

function plan(): PlannedOp[] {
  const n = (RATE * DURATION_MS) / 1_000;
  return Array.from({ length: n }, (_, i) => ({
    atMs: (i * 1_000) / RATE,
    f: 'checkout',
    process: `web:shopper-${i % 256}`,
    value: { sku: `SKU-${i % 1_000}`, qty: 1 },
  }));
}

interface Outcome {
  readonly sent: number;
  readonly dropped: number;
  readonly latenessP99Ms: number;
  /** Share of the run's wall time spent inside the metrics tap (0 when off). */
  readonly tapShare: number;
  readonly tapNsPerEntry: number;
}

async function once(url: string, dir: string, name: string, withMetrics: boolean): Promise<Outcome> {
  const clock = new RunClock();
  const history = await HistoryWriter.open(join(dir, `${name}.ndjson`));
  history.append(runHeader({ runId: name, startedAt: clock.startedAt, t0: clock.t0 }));
  const metrics = withMetrics
    ? new RunMetrics({ scenario: 'bench', target: 'null', businessCodes: ['out-of-stock'] })
    : undefined;
  let tapMs = 0;
  let entries = 0;
  const timed = metrics && {
    observe(entry: HistoryEntry) {
      const t = performance.now();
      metrics.observe(entry);
      tapMs += performance.now() - t;
      entries++;
    },
  };
  const tally = new RunTally(history, { businessCodes: ['out-of-stock'], ...(timed ? { tap: timed } : {}) });
  const client = new HttpClient({
    baseUrl: url,
    connections: 64,
    toRequest: (op) => ({ path: '/checkout', body: op.value }),
  });
  const t0 = performance.now();
  try {
    const stats = await new OpenModelScheduler(client, {
      runId: name,
      clock,
      history: tally,
      timeoutMs: 10_000,
    }).run(plan());
    if (metrics) {
      // One scrape's rendering, as a live run pays it every scrape interval.
      const t = performance.now();
      await metrics.registry.metrics();
      tapMs += performance.now() - t;
    }
    return {
      sent: stats.sent,
      dropped: stats.dropped,
      latenessP99Ms: stats.latenessP99Ms,
      tapShare: tapMs / (performance.now() - t0),
      tapNsPerEntry: entries > 0 ? (tapMs * 1e6) / entries : 0,
    };
  } finally {
    await history.close();
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'peakdrill-metrics-bench-'));
  const server = await startNullServer();
  try {
    await once(server.url, dir, 'warm-off', false);
    await once(server.url, dir, 'warm-on', true);
    const off: Outcome[] = [];
    const on: Outcome[] = [];
    for (let i = 0; i < PAIRS; i++) {
      // Alternate which goes first, so a neighbour's burst does not always land on one side.
      const pair = i % 2 === 0 ? [false, true] : [true, false];
      for (const withMetrics of pair) {
        (withMetrics ? on : off).push(
          await once(server.url, dir, `${withMetrics ? 'on' : 'off'}-${i}`, withMetrics),
        );
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const share = median(on.map((o) => o.tapShare));
    return {
      'offered ops/s (both sides)': RATE,
      'dropped, off / on (all runs)': `${off.reduce((n, o) => n + o.dropped, 0)} / ${on.reduce((n, o) => n + o.dropped, 0)}`,
      'p99 lateness ms, off (median)': median(off.map((o) => o.latenessP99Ms)),
      'p99 lateness ms, on (median)': median(on.map((o) => o.latenessP99Ms)),
      'tap ns per history entry (median)': Math.round(median(on.map((o) => o.tapNsPerEntry))),
      'share of the engine thread in the tap (median)': Math.round(share * 10_000) / 10_000,
      'metrics on / off, ops/s per core (>= 1 - share; goal >= 0.97)':
        Math.round((1 - share) * 1_000) / 1_000,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
