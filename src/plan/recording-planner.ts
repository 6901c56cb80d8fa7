// Recording → replay plan for the node engine: every event becomes an op of one
// device at its plan time (window, capped idle gaps, speed, start offset), SKUs
// and stores remapped, optionally one shard of it. Pure: same input, same plan.
import { PeakdrillError } from '../model/errors.ts';
import { type Shard, shardSchema } from '../model/history-entry.ts';
import type { PlannedOp } from '../model/planned-op.ts';
import type { OrderEvent, RecordingEvent, RecordingHeader } from '../model/recording-schema.ts';
import { shardIndexOf } from './device-ids.ts';
import {
  type DeviceLayout,
  draftOp,
  type IdRemap,
  type OpDraft,
  type SkipReason,
  toRemap,
} from './event-ops.ts';
import { ReplayTimeline, type TimelineOptions } from './replay-timeline.ts';

/** A planned op plus what a fleet needs to finish it at run time (the scheduler reads only PlannedOp). */
export interface ReplayOp extends PlannedOp {
  /** The recording event it replays. */
  readonly source: string;
  /**
   * Returns and exchanges: the Idempotency-Key of the order they refer to. The SUT's order id
   * exists only once that checkout is acknowledged, so a fleet fills `value.orderId` in at run time.
   */
  readonly orderKey?: string;
}

export interface PlanOptions extends TimelineOptions {
  readonly skuMap?: IdRemap;
  readonly storeMap?: IdRemap;
  /** Keep only this shard's devices (the worker pool's FNV-1a split), after timing the whole plan. */
  readonly shard?: Shard;
  readonly devices?: DeviceLayout;
  /** Raw RFID tag reads: left out (default), or published as `rfid-read` ops. */
  readonly rfidReads?: 'skip' | 'publish';
}

export interface ReplayPlan {
  /** Sorted by atMs. */
  readonly ops: ReplayOp[];
  /** Plan time at which the replayed window is over (≥ the last op's atMs). */
  readonly durationMs: number;
  /** Events read, events inside the window, ops planned (this shard), ops of other shards. */
  readonly counts: { events: number; inWindow: number; planned: number; otherShards: number };
  /** Events in the window that became no op, by reason. */
  readonly skipped: Partial<Record<SkipReason, number>>;
}

interface Pending {
  readonly t: number;
  readonly index: number;
  readonly event: RecordingEvent;
}

/** Collects events one at a time (from an array or a stream) and plans them in finish(). */
export class RecordingPlanner {
  private readonly header: RecordingHeader;
  private readonly options: PlanOptions;
  private readonly timeline: ReplayTimeline;
  private readonly pending: Pending[] = [];
  private events = 0;
  private finished = false;

  constructor(header: RecordingHeader, options: PlanOptions = {}) {
    this.header = header;
    this.options = options;
    // Validates speed, window, offset and gap cap up front, before any event is read.
    this.timeline = new ReplayTimeline(options);
    if (options.shard !== undefined) {
      const parsed = shardSchema.safeParse(options.shard);
      if (!parsed.success) {
        throw new PeakdrillError(
          'PEAKDRILL_ERR_USAGE',
          `replay plan options: shard ${JSON.stringify(options.shard)} is not {index, count} with 0 ≤ index < count`,
        );
      }
    }
  }

  add(event: RecordingEvent): void {
    if (this.finished) throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'recording planner: add after finish');
    const index = this.events++;
    if (this.timeline.includes(event.t)) this.pending.push({ t: event.t, index, event });
  }

  finish(): ReplayPlan {
    if (this.finished) throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'recording planner: finish twice');
    this.finished = true;
    // Captures need not be in time order; ties keep file order so a plan is reproducible.
    const events = this.pending.sort((a, b) => a.t - b.t || a.index - b.index);
    const orders = new Map<string, OrderEvent>();
    for (const { event } of events) if (event.kind === 'order') orders.set(event.id, event);
    const ctx = {
      layout: this.options.devices ?? {},
      sku: toRemap(this.options.skuMap),
      store: toRemap(this.options.storeMap),
      rfidReads: this.options.rfidReads ?? 'skip',
      orderOf: (ref: string) => orders.get(ref),
    } as const;
    const shard = this.options.shard;
    const ops: ReplayOp[] = [];
    const skipped: Partial<Record<SkipReason, number>> = {};
    let otherShards = 0;
    for (const { event } of events) {
      // Every windowed event advances the timeline, shard or not, so shards stay in step.
      const atMs = this.timeline.next(event.t);
      const draft = draftOp(event, ctx);
      if (typeof draft === 'string') {
        skipped[draft] = (skipped[draft] ?? 0) + 1;
        continue;
      }
      if (shard !== undefined && shardIndexOf(draft.process, shard.count) !== shard.index) {
        otherShards++;
        continue;
      }
      ops.push(replayOp(atMs, event, draft, orders));
    }
    const recordedMs = Date.parse(this.header.endTime) - Date.parse(this.header.startTime);
    const last = ops.at(-1)?.atMs ?? 0;
    return {
      ops,
      durationMs: Math.max(last, this.timeline.endAt(recordedMs)),
      counts: { events: this.events, inWindow: events.length, planned: ops.length, otherShards },
      skipped,
    };
  }
}

function replayOp(
  atMs: number,
  event: RecordingEvent,
  draft: OpDraft,
  orders: Map<string, OrderEvent>,
): ReplayOp {
  const op = { atMs, f: draft.f, process: draft.process, value: draft.value, source: event.id };
  const order = draft.orderRef === undefined ? undefined : orders.get(draft.orderRef);
  return order === undefined ? op : { ...op, orderKey: order.idempotencyKey };
}

export function planRecording(
  header: RecordingHeader,
  events: Iterable<RecordingEvent>,
  options: PlanOptions = {},
): ReplayPlan {
  const planner = new RecordingPlanner(header, options);
  for (const event of events) planner.add(event);
  return planner.finish();
}

/** Plans a recording read as a stream (e.g. openRecording(path)). */
export async function planRecordingStream(
  recording: { readonly header: RecordingHeader } & AsyncIterable<RecordingEvent>,
  options: PlanOptions = {},
): Promise<ReplayPlan> {
  const planner = new RecordingPlanner(recording.header, options);
  for await (const event of recording) planner.add(event);
  return planner.finish();
}
