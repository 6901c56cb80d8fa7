// The node engine beside the k6 engine on the same plan against the same null
// HTTP target, in the same run, one after the other: web checkouts at a
// constant rate, each engine doing a device's whole job (request from the plan,
// answer read into op values, full history written). Figures: ops per CPU
// second (per core), the CPU each used, and p99 latency from the scheduled time
// (coordinated-omission corrected) from each history. Goal: node ≥ 1.0× k6 per core.
// The node engine runs with spinMs 0 (and, for comparison, its default 1.5 ms busy-wait).
// k6's CPU is read from /proc (Linux), sampled until it exits.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetClient } from '../simulators/fleet-client.ts';
import { FLEET_WAIT_F } from '../simulators/fleet-plan-stream.ts';
import { startNullServer } from '../simulators/testing/null-http-server.ts';
import { type K6EngineResult, runK6Engine } from '../src/engines/k6/k6-engine.ts';
import { buildK6Plan } from '../src/engines/k6/k6-plan.ts';
import { OpenModelScheduler, type SchedulerStats } from '../src/engines/open-model-scheduler.ts';
import { HistoryWriter } from '../src/history/history-writer.ts';
import { RunClock } from '../src/history/run-clock.ts';
import { runHeader } from '../src/model/history-entry.ts';
import type { CheckoutInvokeValue } from '../src/model/op-values.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';

const RATE = 2_000;
const DURATION_MS = 10_000;
/** One attempt per op in both engines: the null target's `{}` is an unreadable answer, which shoppers would retry. */
const WEB = { maxAttempts: 1, stockReads: false } as const;
const CLOCK_TICKS_PER_S = 100;

function plan(rate: number, durationMs: number): ReplayOp[] {
  const n = Math.round((rate * durationMs) / 1_000);
  return Array.from({ length: n }, (_, i) => {
    const value: CheckoutInvokeValue = {
      channel: 'web',
      store: 'S000',
      lines: [{ sku: `SKU-${i % 1_000}`, qty: 1 + (i % 3) }],
      tenders: [{ type: 'card', amountCents: 1_000 }],
      idempotencyKey: `bench-${i}`,
    };
    return {
      atMs: (i * 1_000) / rate,
      f: 'checkout',
      process: `web:shopper-${i % 256}`,
      value,
      source: `o${i}`,
    };
  });
}

function cpuSecondsNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** utime + stime of a process, in seconds, or undefined once it is gone. */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

async function nodeRun(url: string, dir: string, name: string, ops: ReplayOp[], spinMs = 0) {
  const clock = new RunClock();
  const history = await HistoryWriter.open(join(dir, `${name}.ndjson`));
  history.append(runHeader({ runId: name, startedAt: clock.startedAt, t0: clock.t0 }));
  const fleet = new FleetClient({
    storeUrl: url,
    web: { ...WEB, connections: 64 },
    pos: false,
    webhook: false,
  });
  const cpu0 = cpuSecondsNow();
  let stats: SchedulerStats;
  try {
    stats = await new OpenModelScheduler(fleet, {
      runId: name,
      clock,
      history,
      timeoutMs: 5_000,
      spinMs,
    }).run(fleet.plan(ops));
  } finally {
    await history.close();
  }
  const waits = fleet.stats()['plan.waits'] ?? 0;
  return { stats, ops: stats.sent - waits, cpuS: cpuSecondsNow() - cpu0 };
}

async function k6Run(url: string, dir: string, name: string, ops: ReplayOp[]) {
  let pid = 0;
  let k6CpuS = 0;
  const sampler = setInterval(() => {
    const s = pid === 0 ? undefined : procCpuSeconds(pid);
    if (s !== undefined) k6CpuS = s;
  }, 20);
  const cpu0 = cpuSecondsNow();
  let result: K6EngineResult;
  try {
    result = await runK6Engine({
      plan: buildK6Plan(ops, { web: WEB }),
      runId: name,
      historyPath: join(dir, `${name}.ndjson`),
      workDir: join(dir, name),
      baseUrls: [url],
      onSpawn: (p) => {
        pid = p;
      },
    });
  } finally {
    clearInterval(sampler);
  }
  if (result.status !== 'completed') throw new Error(`k6 run ${name}: ${result.status}: ${result.reason}`);
  return { result, ops: result.counts.sent, k6CpuS, converterCpuS: cpuSecondsNow() - cpu0 };
}

export async function run(): Promise<Record<string, number | string>> {
  const dir = await mkdtemp(join(tmpdir(), 'peakdrill-k6-vs-node-'));
  const server = await startNullServer();
  try {
    // Warm both (JIT, connections, k6's first start) before measuring either.
    await nodeRun(server.url, dir, 'warm-node', plan(1_000, 1_000));
    await k6Run(server.url, dir, 'warm-k6', plan(500, 1_000));

    const ops = plan(RATE, DURATION_MS);
    // spinMs 0: no busy-wait before sends, which bills idle time as work (the default 1.5 ms, for comparison).
    const node = await nodeRun(server.url, dir, 'node', ops);
    const spinning = await nodeRun(server.url, dir, 'node-spin', ops, 1.5);
    const k6 = await k6Run(server.url, dir, 'k6', ops);
    const nodePerCore = node.ops / node.cpuS;
    const k6PerCore = k6.ops / k6.k6CpuS;
    const k6EnginePerCore = k6.ops / (k6.k6CpuS + k6.converterCpuS);
    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      'offered rate, ops/s × s': `${RATE} × ${DURATION_MS / 1_000}`,
      'node: ops sent': node.ops,
      'node: CPU s (scheduler, fleet, history)': round(node.cpuS),
      'node: ops/s per core': Math.round(nodePerCore),
      'node: p99 latency, ms (from schedule)': node.stats.latencyP99Ms,
      'node: p99 lateness, ms': node.stats.latenessP99Ms,
      'node: dropped': node.stats.dropped,
      'node, spinMs 1.5: ops/s per core': Math.round(spinning.ops / spinning.cpuS),
      'node, spinMs 1.5: p99 latency, ms': spinning.stats.latencyP99Ms,
      'k6: ops sent': k6.ops,
      'k6: CPU s (k6 process)': round(k6.k6CpuS),
      'k6: CPU s (peakdrill reading outcomes)': round(k6.converterCpuS),
      'k6: ops/s per core (k6 process)': Math.round(k6PerCore),
      'k6: ops/s per core (k6 + outcome reading)': Math.round(k6EnginePerCore),
      'k6: p99 latency, ms (from schedule)': k6.result.latencyP99Ms,
      'k6: p99 http_req_duration, ms (on the wire)': round(k6.result.httpReqDurationP99Ms ?? Number.NaN),
      'k6: p99 lateness, ms': k6.result.latenessP99Ms,
      'k6: dropped iterations': k6.result.droppedIterations,
      'ratio node / k6 per core (goal >= 1.0)': round(nodePerCore / k6PerCore),
      'ratio node spinMs 1.5 / k6 per core': round(spinning.ops / spinning.cpuS / k6PerCore),
      'ratio node / (k6 + outcome reading) per core': round(nodePerCore / k6EnginePerCore),
      'ratio p99 latency node / k6': round(node.stats.latencyP99Ms / k6.result.latencyP99Ms),
      [`history ops ignored (${FLEET_WAIT_F})`]: node.stats.sent - node.ops,
    };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
