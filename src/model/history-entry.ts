// The history: one JSON object per NDJSON line, the single product of a run.
// Line 1 is the `run` header; then op entries (invoke, then exactly one of
// ok | fail | info, paired by `op`), drops, faults, probes; `end` if it finished.
//
// Times: `…Ns` fields are integer nanoseconds on the run's monotonic clock
// (process.hrtime.bigint() − t0), stored as JSON numbers. Numbers stay exact up
// to 2^53 ns (104 days), far beyond any run, and cost no parsing on read; t0
// itself (an absolute hrtime reading) is a decimal string in the header.
// `…Ms` fields are float milliseconds rounded to the microsecond. JSON drops
// `undefined`, so every `value` is optional on read.
import { z } from 'zod';

export const HISTORY_VERSION = 1;

const nsSchema = z.int().min(0);
const msSchema = z.number().min(0);
const processSchema = z.union([z.string(), z.number()]);
const wallTimeSchema = z.iso.datetime({ offset: true });
/** All zod checks of a wall time; readers that skip zod for speed test it directly. */
export const WALL_TIME_PATTERN: RegExp | undefined = (wallTimeSchema._zod.def as { pattern?: RegExp })
  .pattern;

export const opErrorSchema = z.object({ code: z.string(), message: z.string() });
export type OpError = z.infer<typeof opErrorSchema>;

export const shardSchema = z
  .object({ index: z.int().min(0), count: z.int().min(1) })
  .refine((s) => s.index < s.count, { message: 'shard index must be below shard count' });
export type Shard = z.infer<typeof shardSchema>;

export const runHeaderEntrySchema = z.object({
  type: z.literal('run'),
  version: z.literal(HISTORY_VERSION),
  runId: z.string().min(1),
  shard: shardSchema.optional(),
  /** Wall-clock start (ISO 8601); merges of histories from different machines align on it. */
  startedAt: z.iso.datetime({ offset: true }),
  /** process.hrtime.bigint() at time 0, as a decimal string. Equal t0 = same clock, exact alignment. */
  t0: z.string().regex(/^\d+$/),
});

export const invokeEntrySchema = z.object({
  type: z.literal('invoke'),
  /** Globally unique: `<runId>:<shard>:<seq>` (see opIdPrefix). */
  op: z.string().min(1),
  /** Jepsen process: the device id, renamed after each `info` of that device. */
  process: processSchema,
  f: z.string(),
  /** The request. */
  value: z.unknown().optional(),
  scheduledNs: nsSchema,
  sentNs: nsSchema,
  /** sent − scheduled: how far the harness itself fell behind. */
  latenessMs: msSchema,
  wallTime: wallTimeSchema.optional(),
});

export const completionEntrySchema = z.object({
  /** ok: happened. fail: known not to have happened. info: unknown — treat as "maybe". */
  type: z.enum(['ok', 'fail', 'info']),
  op: z.string().min(1),
  process: processSchema,
  f: z.string(),
  /** The result (ok) or what is known of the failure. */
  value: z.unknown().optional(),
  completedNs: nsSchema,
  /** completed − scheduled (not − sent): coordinated-omission corrected. */
  latencyMs: msSchema,
  error: opErrorSchema.optional(),
});

/** A planned op that was never sent (e.g. the in-flight cap was full). It did not happen. */
export const dropEntrySchema = z.object({
  type: z.literal('drop'),
  op: z.string().min(1),
  process: processSchema,
  f: z.string(),
  scheduledNs: nsSchema,
  atNs: nsSchema,
  reason: z.enum(['max-in-flight']),
});

export const faultEntrySchema = z.object({
  type: z.literal('fault'),
  phase: z.enum(['start', 'stop', 'heal-failed']),
  fault: z.string().min(1),
  target: z.string(),
  params: z.record(z.string(), z.unknown()).optional(),
  /** On a stop: what the fault reported once applied (a cutover: frozenMs, webhooksReplayed…). */
  outcome: z.record(z.string(), z.number()).optional(),
  /** When it was journaled: a start is written before the fault is applied. */
  atNs: nsSchema,
  error: opErrorSchema.optional(),
});

export const probeEntrySchema = z.object({
  type: z.literal('probe'),
  probe: z.string().min(1),
  region: z.string().optional(),
  ok: z.boolean(),
  latencyMs: msSchema,
  /** When the sample completed (its start is atNs − latencyMs), so entries stay in time order. */
  atNs: nsSchema,
  value: z.unknown().optional(),
});

export const endEntrySchema = z.object({
  type: z.literal('end'),
  status: z.enum(['completed', 'aborted', 'error']),
  atNs: nsSchema,
  reason: z.string().optional(),
});

export const historyEntrySchema = z.discriminatedUnion('type', [
  runHeaderEntrySchema,
  invokeEntrySchema,
  completionEntrySchema,
  dropEntrySchema,
  faultEntrySchema,
  probeEntrySchema,
  endEntrySchema,
]);

export type RunHeaderEntry = z.infer<typeof runHeaderEntrySchema>;
export type InvokeEntry = z.infer<typeof invokeEntrySchema>;
export type CompletionEntry = z.infer<typeof completionEntrySchema>;
export type CompletionType = CompletionEntry['type'];
export type DropEntry = z.infer<typeof dropEntrySchema>;
export type FaultEntry = z.infer<typeof faultEntrySchema>;
export type ProbeEntry = z.infer<typeof probeEntrySchema>;
export type EndEntry = z.infer<typeof endEntrySchema>;
export type OpEntry = InvokeEntry | CompletionEntry;
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type HistoryEntryType = HistoryEntry['type'];

export const isRunHeader = (e: HistoryEntry): e is RunHeaderEntry => e.type === 'run';
export const isInvokeEntry = (e: HistoryEntry): e is InvokeEntry => e.type === 'invoke';
export const isCompletionEntry = (e: HistoryEntry): e is CompletionEntry =>
  e.type === 'ok' || e.type === 'fail' || e.type === 'info';
export const isOpEntry = (e: HistoryEntry): e is OpEntry => isInvokeEntry(e) || isCompletionEntry(e);
export const isDropEntry = (e: HistoryEntry): e is DropEntry => e.type === 'drop';
export const isFaultEntry = (e: HistoryEntry): e is FaultEntry => e.type === 'fault';
export const isProbeEntry = (e: HistoryEntry): e is ProbeEntry => e.type === 'probe';
export const isEndEntry = (e: HistoryEntry): e is EndEntry => e.type === 'end';

/** The time an entry was recorded at; a history file is non-decreasing in it. */
export function entryTimeNs(e: HistoryEntry): number {
  switch (e.type) {
    case 'run':
      return 0;
    case 'invoke':
      return e.sentNs;
    case 'ok':
    case 'fail':
    case 'info':
      return e.completedNs;
    default:
      return e.atNs;
  }
}

/** Moves every time field of `e` by `deltaNs` in place (merging histories onto one timeline). */
export function shiftEntryTimes(e: HistoryEntry, deltaNs: number): void {
  switch (e.type) {
    case 'run':
      return;
    case 'invoke':
      e.scheduledNs += deltaNs;
      e.sentNs += deltaNs;
      return;
    case 'ok':
    case 'fail':
    case 'info':
      e.completedNs += deltaNs;
      return;
    case 'drop':
      e.scheduledNs += deltaNs;
      e.atNs += deltaNs;
      return;
    default:
      e.atNs += deltaNs;
  }
}

/** Op ids of one shard start with this; distinct (runId, shard) pairs can never share an op id. */
export function opIdPrefix(runId: string, shard?: Shard): string {
  return shard === undefined ? `${runId}:` : `${runId}:${shard.index}:`;
}

/** Nanoseconds to milliseconds, rounded to the microsecond (keeps lines short). */
export function nsToMs(ns: number): number {
  return Math.round(ns / 1_000) / 1_000;
}

export function runHeader(fields: {
  runId: string;
  shard?: Shard;
  startedAt: Date;
  t0: bigint;
}): RunHeaderEntry {
  const header: RunHeaderEntry = {
    type: 'run',
    version: HISTORY_VERSION,
    runId: fields.runId,
    startedAt: fields.startedAt.toISOString(),
    t0: fields.t0.toString(),
  };
  if (fields.shard !== undefined) header.shard = { index: fields.shard.index, count: fields.shard.count };
  return header;
}
