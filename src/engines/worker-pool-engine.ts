// Runs a plan on N worker threads so every core sends load. Each worker is one
// shard: its own scheduler, client and history file (header, ops, end), all on
// the caller's clock (same t0, same plan time 0). Ops are split by device, so a
// device's ops and its renames after `info` stay in one shard.
//
// Why shard files and not a channel to one writer: a postMessage per entry costs
// more than the entry, the main thread would become the bottleneck, and shard
// files are what multi-machine runs produce anyway (history-merge reads both).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { RunClock } from '../history/run-clock.ts';
import { PeakdrillError, type PeakdrillErrorCode } from '../model/errors.ts';
import type { Shard } from '../model/history-entry.ts';
import type { PlannedOp } from '../model/planned-op.ts';
import {
  createLatencyHistogram,
  type OpenModelSchedulerOptions,
  type SchedulerCounts,
  type SchedulerStats,
  summarizeStats,
} from './open-model-scheduler.ts';

/** How a worker builds its client: a module (absolute path or file URL) and cloneable options. */
export interface ClientModuleSpec {
  readonly module: string;
  /** Name of the factory `(options) => Client` the module exports (default 'createClient'). */
  readonly exportName?: string;
  readonly options?: unknown;
}

export type WorkerSchedulerOptions = Pick<
  OpenModelSchedulerOptions,
  'speed' | 'maxInFlight' | 'timeoutMs' | 'graceMs' | 'wallTime' | 'spinMs'
>;

export interface WorkerPoolOptions {
  readonly runId: string;
  /** Shard histories land here as history-<index>-of-<count>.ndjson. */
  readonly historyDir: string;
  /** Default: one per core. */
  readonly workers?: number;
  /** This process's shard when several machines share a run; workers subdivide it. */
  readonly shard?: Shard;
  readonly client: ClientModuleSpec;
  /** Per worker: maxInFlight caps each worker. */
  readonly scheduler?: WorkerSchedulerOptions;
  readonly signal?: AbortSignal;
  /** Pass the run's clock so the shards share t0 with the caller's own history (faults, probes). */
  readonly clock?: RunClock;
  /** Plan time 0 is this long after the last worker reports ready (default 50 ms). */
  readonly startLeadMs?: number;
  /** Called with plan time 0 on the run clock once it is fixed, e.g. to align the fault schedule. */
  readonly onStart?: (startAtNs: number) => void;
}

export interface ShardResult {
  readonly shard: Shard;
  readonly historyPath: string;
  readonly planned: number;
  readonly stats: SchedulerStats;
}

export interface WorkerPoolResult {
  /** Counts summed; percentiles from the merged histograms; maxInFlight is the sum of shard maxima (an upper bound). */
  readonly stats: SchedulerStats;
  readonly shards: readonly ShardResult[];
  readonly historyPaths: readonly string[];
}

/** @internal the worker's input (structured clone). */
export interface WorkerInput {
  readonly runId: string;
  readonly shard: Shard;
  readonly historyPath: string;
  readonly t0: string;
  readonly startedAt: string;
  readonly plan: readonly PlannedOp[];
  readonly client: ClientModuleSpec;
  readonly scheduler: WorkerSchedulerOptions;
}

/** @internal messages to a worker. */
export type ToWorker = { readonly type: 'start'; readonly startAtNs: number } | { readonly type: 'abort' };

/** @internal messages from a worker: 'ready' once its client is loaded, 'done' last. */
export type FromWorker = { readonly type: 'ready' } | WorkerOutput;

/** @internal what a worker posts back when it has closed its history. */
export interface WorkerOutput {
  readonly type: 'done';
  readonly stats: SchedulerStats | null;
  readonly latency: string | null;
  readonly lateness: string | null;
  readonly error: { code: string; message: string; hint?: string } | null;
}

export function shardHistoryPath(dir: string, shard: Shard): string {
  return join(dir, `history-${shard.index}-of-${shard.count}.ndjson`);
}

/** Splits by a stable hash of the device id; each part keeps the plan's order. */
export function splitPlanByDevice(plan: readonly PlannedOp[], parts: number): PlannedOp[][] {
  const out: PlannedOp[][] = Array.from({ length: parts }, () => []);
  const memo = new Map<string | number, number>();
  for (const op of plan) {
    let part = memo.get(op.process);
    if (part === undefined) {
      part = fnv1a(String(op.process)) % parts;
      memo.set(op.process, part);
    }
    out[part]!.push(op);
  }
  return out;
}

export async function runWorkerPool(
  plan: readonly PlannedOp[],
  options: WorkerPoolOptions,
): Promise<WorkerPoolResult> {
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `worker pool: workers must be a positive integer, not ${count}`,
    );
  }
  const base = options.shard ?? { index: 0, count: 1 };
  const clock = options.clock ?? new RunClock();
  const leadNs = Math.round((options.startLeadMs ?? 50) * 1e6);
  const parts = splitPlanByDevice(plan, count);
  const workerUrl = new URL('./scheduler-worker.ts', import.meta.url);

  const shards: Shard[] = parts.map((_, i) => ({ index: base.index * count + i, count: base.count * count }));
  const workers = parts.map(
    (part, i) =>
      new Worker(workerUrl, {
        workerData: {
          runId: options.runId,
          shard: shards[i]!,
          historyPath: shardHistoryPath(options.historyDir, shards[i]!),
          t0: clock.t0.toString(),
          startedAt: clock.startedAt.toISOString(),
          plan: part,
          client: options.client,
          scheduler: options.scheduler ?? {},
        } satisfies WorkerInput,
      }),
  );
  const abortAll = (): void => {
    for (const w of workers) w.postMessage({ type: 'abort' } satisfies ToWorker);
  };
  options.signal?.addEventListener('abort', abortAll, { once: true });
  if (options.signal?.aborted) abortAll();

  // Booting a thread and loading its modules takes hundreds of ms and varies, so plan
  // time 0 is set only once every worker is ready (or already finished, having failed).
  let waiting = workers.length;
  const settledOne = (): void => {
    if (--waiting !== 0) return;
    const start: ToWorker = { type: 'start', startAtNs: clock.nowNs() + leadNs };
    for (const w of workers) w.postMessage(start);
    options.onStart?.(start.startAtNs);
  };

  try {
    const outputs = await Promise.all(
      workers.map(
        (worker, i) =>
          new Promise<WorkerOutput>((resolve) => {
            let output: WorkerOutput | null = null;
            let counted = false;
            const count = (): void => {
              if (counted) return;
              counted = true;
              settledOne();
            };
            worker.on('message', (message: FromWorker) => {
              if (message?.type === 'ready') {
                count();
                return;
              }
              if (message?.type !== 'done') return;
              output = message;
              count();
              // One shard failing makes the run an error: stop the others the orderly way.
              if (message.error !== null) abortAll();
            });
            worker.on('error', (error) => {
              output ??= crashed(`worker for shard ${shards[i]!.index} failed: ${error.message}`);
              abortAll();
            });
            worker.on('exit', (code) => {
              count();
              resolve(
                output ??
                  crashed(`worker for shard ${shards[i]!.index} exited (code ${code}) without a result`),
              );
            });
          }),
      ),
    );
    const failed = outputs.findIndex((o) => o.error !== null);
    if (failed !== -1) {
      const e = outputs[failed]!.error!;
      throw new PeakdrillError(
        e.code.startsWith('PEAKDRILL_ERR_') ? (e.code as PeakdrillErrorCode) : 'PEAKDRILL_ERR_USAGE',
        `shard ${shards[failed]!.index}/${shards[failed]!.count}: ${e.message}`,
        e.hint === undefined ? {} : { hint: e.hint },
      );
    }
    return combine(outputs, shards, parts, options.historyDir);
  } finally {
    options.signal?.removeEventListener('abort', abortAll);
  }
}

function combine(
  outputs: readonly WorkerOutput[],
  shards: readonly Shard[],
  parts: readonly PlannedOp[][],
  dir: string,
): WorkerPoolResult {
  const counts: SchedulerCounts = {
    sent: 0,
    ok: 0,
    fail: 0,
    info: 0,
    timedOut: 0,
    dropped: 0,
    maxInFlight: 0,
  };
  const latency = createLatencyHistogram();
  const lateness = createLatencyHistogram();
  let aborted = false;
  let durationMs = 0;
  const results: ShardResult[] = outputs.map((o, i) => {
    const stats = o.stats!;
    counts.sent += stats.sent;
    counts.ok += stats.ok;
    counts.fail += stats.fail;
    counts.info += stats.info;
    counts.timedOut += stats.timedOut;
    counts.dropped += stats.dropped;
    counts.maxInFlight += stats.maxInFlight;
    aborted ||= stats.aborted;
    durationMs = Math.max(durationMs, stats.durationMs);
    latency.add(decodeFromCompressedBase64(o.latency!));
    lateness.add(decodeFromCompressedBase64(o.lateness!));
    return {
      shard: shards[i]!,
      historyPath: shardHistoryPath(dir, shards[i]!),
      planned: parts[i]!.length,
      stats,
    };
  });
  return {
    stats: summarizeStats(counts, latency, lateness, aborted, durationMs),
    shards: results,
    historyPaths: results.map((r) => r.historyPath),
  };
}

function crashed(message: string): WorkerOutput {
  return {
    type: 'done',
    stats: null,
    latency: null,
    lateness: null,
    error: { code: 'PEAKDRILL_ERR_USAGE', message },
  };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
