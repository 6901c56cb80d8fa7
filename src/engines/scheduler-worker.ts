// Worker-thread entry of the worker pool: runs one shard's plan with its own
// scheduler, client and history file, then posts its stats and histograms.
// Always answers with a 'done' message (error filled in) unless the thread dies.
import { parentPort, workerData } from 'node:worker_threads';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { HistoryWriter } from '../history/history-writer.ts';
import { RunClock } from '../history/run-clock.ts';
import { isPeakdrillError } from '../model/errors.ts';
import { type EndEntry, runHeader } from '../model/history-entry.ts';
import { type Client, OpenModelScheduler } from './open-model-scheduler.ts';
import type { FromWorker, ToWorker, WorkerInput, WorkerOutput } from './worker-pool-engine.ts';

async function main(input: WorkerInput): Promise<WorkerOutput> {
  const controller = new AbortController();
  const started = Promise.withResolvers<number | null>();
  parentPort!.on('message', (message: ToWorker) => {
    if (message?.type === 'start') started.resolve(message.startAtNs);
    if (message?.type === 'abort') {
      controller.abort();
      started.resolve(null);
    }
  });
  const clock = RunClock.from(input.t0, input.startedAt);
  let writer: HistoryWriter | null = null;
  let scheduler: OpenModelScheduler | null = null;
  let output: WorkerOutput;
  try {
    writer = await HistoryWriter.open(input.historyPath);
    writer.append(
      runHeader({ runId: input.runId, shard: input.shard, startedAt: clock.startedAt, t0: clock.t0 }),
    );
    const client = await loadClient(input);
    parentPort!.postMessage({ type: 'ready' } satisfies FromWorker);
    const startAtNs = (await started.promise) ?? clock.nowNs();
    scheduler = new OpenModelScheduler(client, {
      ...input.scheduler,
      runId: input.runId,
      shard: input.shard,
      clock,
      history: writer,
      startAtNs,
      signal: controller.signal,
    });
    const stats = await scheduler.run(input.plan);
    writer.append(end(clock, stats.aborted ? 'aborted' : 'completed'));
    await writer.close();
    output = {
      type: 'done',
      stats,
      latency: encodeIntoCompressedBase64(scheduler.latencyHistogram),
      lateness: encodeIntoCompressedBase64(scheduler.latenessHistogram),
      error: null,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    try {
      writer?.append(end(clock, 'error', message));
      await writer?.close();
    } catch {
      // The history is already broken; the error below says why.
    }
    output = {
      type: 'done',
      stats: scheduler?.stats() ?? null,
      latency: null,
      lateness: null,
      error: isPeakdrillError(error)
        ? { code: error.code, message, ...(error.hint === undefined ? {} : { hint: error.hint }) }
        : { code: 'worker-error', message },
    };
  }
  return output;
}

async function loadClient(input: WorkerInput): Promise<Client> {
  const name = input.client.exportName ?? 'createClient';
  const mod = (await import(input.client.module)) as Record<string, unknown>;
  const factory = mod[name];
  if (typeof factory !== 'function') {
    throw new Error(
      `client module ${input.client.module} does not export a function ${name}(options) => Client`,
    );
  }
  return (await factory(input.client.options)) as Client;
}

function end(clock: RunClock, status: EndEntry['status'], reason?: string): EndEntry {
  const entry: EndEntry = { type: 'end', status, atNs: clock.nowNs() };
  if (reason !== undefined) entry.reason = reason;
  return entry;
}

if (parentPort !== null) {
  const output = await main(workerData as WorkerInput);
  parentPort.postMessage(output satisfies FromWorker);
  // The abort listener keeps the port alive; the work is done.
  parentPort.close();
}
