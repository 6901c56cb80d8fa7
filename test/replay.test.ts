// The node engine's replay against a null HTTP server in a child process (no
// stack): 5,000 ops/s for 30 s with the full history on disk, and a 10-minute
// generated recording replayed at speed 10 in 60 s ± 1 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRecording } from '../recorders/synthetic-generator.ts';
import { type NullServer, startNullServer } from '../simulators/testing/null-http-server.ts';
import { HttpClient } from '../src/engines/http-client.ts';
import { OpenModelScheduler, type SchedulerStats } from '../src/engines/open-model-scheduler.ts';
import { HistoryReader } from '../src/history/history-reader.ts';
import { HistoryWriter } from '../src/history/history-writer.ts';
import { RunClock } from '../src/history/run-clock.ts';
import { runHeader } from '../src/model/history-entry.ts';
import type { PlannedOp } from '../src/model/planned-op.ts';
import { planRecording } from '../src/plan/recording-planner.ts';

let server: NullServer;
const dir = mkdtempSync(join(tmpdir(), 'peakdrill-replay-'));

beforeAll(async () => {
  server = await startNullServer();
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `plan` with an HTTP client (one POST per op) and the history written to `name`. */
async function replay(name: string, plan: Iterable<PlannedOp>) {
  const path = join(dir, name);
  const clock = new RunClock();
  const history = await HistoryWriter.open(path);
  history.append(runHeader({ runId: name, startedAt: clock.startedAt, t0: clock.t0 }));
  const client = new HttpClient({
    baseUrl: server.url,
    connections: 64,
    opIdHeader: null,
    toRequest: (op) => ({ path: `/${op.f}`, body: op.value }),
  });
  const scheduler = new OpenModelScheduler(client, { runId: name, clock, history, timeoutMs: 5_000 });
  const started = performance.now();
  let stats: SchedulerStats;
  try {
    stats = await scheduler.run(plan);
  } finally {
    await history.close();
  }
  const wallMs = performance.now() - started;
  return { path, stats, wallMs };
}

/** Invokes and completions per op id, read back from the file. */
async function pairs(path: string) {
  const invoked = new Map<string, number>();
  const completed = new Map<string, number>();
  let lastSentNs = 0;
  for await (const e of new HistoryReader(path)) {
    if (e.type === 'invoke') {
      invoked.set(e.op, (invoked.get(e.op) ?? 0) + 1);
      lastSentNs = Math.max(lastSentNs, e.sentNs);
    } else if (e.type === 'ok' || e.type === 'fail' || e.type === 'info') {
      completed.set(e.op, (completed.get(e.op) ?? 0) + 1);
    }
  }
  return { invoked, completed };
}

describe('replay through the open-model scheduler (node engine)', () => {
  it('sends 5,000 ops/s for 30 s with the full history written: every op has exactly one completion', async () => {
    const rate = 5_000;
    const total = rate * 30;
    const plan: PlannedOp[] = Array.from({ length: total }, (_, i) => ({
      atMs: (i * 1_000) / rate,
      f: 'checkout',
      process: `web:shopper-${i % 200}`,
      value: { sku: `SKU-${i % 500}`, qty: 1 + (i % 3) },
    }));
    const { path, stats, wallMs } = await replay('load', plan);
    console.log(
      `5,000 ops/s × 30 s: sent ${stats.sent}, ok ${stats.ok}, fail ${stats.fail}, info ${stats.info}, dropped ${stats.dropped}; ` +
        `lateness p50 ${stats.latenessP50Ms} ms, p99 ${stats.latenessP99Ms} ms, max ${stats.latenessMaxMs} ms; ` +
        `latency p50 ${stats.latencyP50Ms} ms, p99 ${stats.latencyP99Ms} ms; plan ${stats.durationMs} ms, wall ${Math.round(wallMs)} ms`,
    );
    expect(stats.sent + stats.dropped).toBe(total);
    const { invoked, completed } = await pairs(path);
    expect(invoked.size).toBe(stats.sent);
    for (const [op, n] of invoked) {
      if (n !== 1 || completed.get(op) !== 1)
        throw new Error(`op ${op}: ${n} invokes, ${completed.get(op) ?? 0} completions`);
    }
    expect(completed.size).toBe(invoked.size);
  });

  it('replays a 10-minute generated recording at speed 10 in 60 s ± 1 s', async () => {
    const recording = generateRecording({
      profile: 'steady-day',
      seed: 42,
      durationS: 600,
      stores: 2,
      skus: 200,
    });
    const plan = planRecording(recording.header, recording.events, { speed: 10 });
    const last = plan.ops.at(-1)!.atMs;
    console.log(
      `10-minute recording: ${plan.counts.events} events, ${plan.ops.length} ops (${(plan.ops.length / 60).toFixed(1)}/s at speed 10), ` +
        `last at ${last} ms, plan ${plan.durationMs} ms`,
    );
    expect(plan.durationMs).toBe(60_000);
    // The recording fills its window, so the replay has to take the whole minute.
    expect(last).toBeGreaterThan(59_000);
    const { path, stats, wallMs } = await replay('speed-10', plan.ops);
    console.log(
      `speed 10: wall ${Math.round(wallMs)} ms, plan start → last completion ${stats.durationMs} ms, ` +
        `lateness p99 ${stats.latenessP99Ms} ms, max ${stats.latenessMaxMs} ms`,
    );
    expect(Math.abs(wallMs - 60_000)).toBeLessThanOrEqual(1_000);
    expect(Math.abs(stats.durationMs - 60_000)).toBeLessThanOrEqual(1_000);
    expect(stats.sent).toBe(plan.ops.length);
    const { invoked, completed } = await pairs(path);
    expect([invoked.size, completed.size]).toEqual([plan.ops.length, plan.ops.length]);
  });
});
