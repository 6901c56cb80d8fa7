// RFID readers (`rfid:<store>:<reader>`) publishing cycle counts (and, when the
// plan has them, raw tag reads) to Kafka `scans`, keyed by SKU, the way handhelds
// do: some messages twice, some flushed in bursts, now and then out of order.
import type { ClientOp, Completion } from '../src/engines/open-model-scheduler.ts';
import { OP, type ScanInvokeValue } from '../src/model/op-values.ts';
import { RFID_READ_F, type RfidReadValue } from '../src/plan/event-ops.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import type { DeviceFleet, PlanShaper } from './device-fleet.ts';
import type { KafkaScanPublisher } from './kafka-scan-publisher.ts';
import { draw, drawInt, sortByTime } from './seeded-draw.ts';

export interface RfidReaderOptions {
  /** How long a publish may take before it counts as unknown (default 5 s). */
  readonly timeoutMs?: number;
  /** Share of messages published twice (default 0.1). */
  readonly duplicateRate?: number;
  /** Share of messages published after the reader's next one for the same SKU (default 0.02). */
  readonly reorderRate?: number;
  /** Share of a reader's burstMs windows held back and flushed at once at the window's end (default 0.1). */
  readonly burstRate?: number;
  readonly burstMs?: number;
  readonly seed?: number;
}

const isReaderOp = (op: ReplayOp): boolean =>
  (op.f === OP.scan || op.f === RFID_READ_F) && String(op.process).startsWith('rfid:');

export class RfidReaderFleet implements DeviceFleet, PlanShaper {
  readonly kind = 'rfid' as const;
  private readonly publisher: KafkaScanPublisher;
  private readonly timeoutMs: number;
  private readonly duplicateRate: number;
  private readonly reorderRate: number;
  private readonly burstRate: number;
  private readonly burstMs: number;
  private readonly seed: number;

  constructor(options: RfidReaderOptions, publisher: KafkaScanPublisher) {
    this.publisher = publisher;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.duplicateRate = options.duplicateRate ?? 0.1;
    this.reorderRate = options.reorderRate ?? 0.02;
    this.burstRate = options.burstRate ?? 0.1;
    this.burstMs = options.burstMs ?? 2_000;
    this.seed = options.seed ?? 1;
  }

  open(): Promise<void> {
    return this.publisher.open();
  }

  async close(): Promise<void> {}

  shapePlan(ops: readonly ReplayOp[]): ReplayOp[] {
    // A late message lands after the reader's next one for the same SKU: only that
    // overtaking matters to the store (a SKU's scans are ordered by their sequence).
    const nextOf = new Map<ReplayOp, ReplayOp>();
    const lastOf = new Map<string, ReplayOp>();
    for (const op of ops) {
      if (!isReaderOp(op)) continue;
      const key = `${op.process}\u0000${(op.value as { sku?: string }).sku}`;
      const prev = lastOf.get(key);
      if (prev !== undefined) nextOf.set(prev, op);
      lastOf.set(key, op);
    }
    const out: ReplayOp[] = [];
    for (const op of ops) {
      if (!isReaderOp(op)) {
        out.push(op);
        continue;
      }
      let atMs = op.atMs;
      const bucket = Math.floor(atMs / this.burstMs);
      if (draw(this.seed, 'burst', String(op.process), bucket) < this.burstRate) {
        // The reader lost its link for this window and flushes what it buffered at the end.
        atMs = (bucket + 1) * this.burstMs;
      } else if (draw(this.seed, 'reorder', op.source) < this.reorderRate) {
        const next = nextOf.get(op);
        if (next !== undefined)
          atMs = Math.max(atMs, next.atMs) + drawInt(1, 50, this.seed, 'late', op.source);
      }
      out.push(atMs === op.atMs ? op : held(op, atMs));
      if (draw(this.seed, 'duplicate', op.source) < this.duplicateRate) {
        out.push(held(op, atMs + drawInt(20, 3_000, this.seed, 'duplicate-at', op.source)));
      }
    }
    return sortByTime(out);
  }

  invoke(op: ClientOp): Promise<Completion> {
    const timeoutMs = Math.min(this.timeoutMs, op.timeoutMs);
    if (op.f === OP.scan) {
      const v = op.value as ScanInvokeValue;
      return this.publisher.publish(v.sku, scanMessage(v, String(op.process)), timeoutMs);
    }
    if (op.f === RFID_READ_F) {
      const v = op.value as RfidReadValue;
      return this.publisher.publish(v.sku, { kind: 'rfid-read', ...v }, timeoutMs);
    }
    return Promise.resolve({
      type: 'fail',
      error: { code: 'unknown-f', message: `an RFID reader cannot ${op.f}` },
    });
  }
}

/**
 * The op sent at `atMs` instead of its planned time. A cycle count sent later was
 * still counted when planned: its value says how long it was held, so the count
 * keeps its snapshot time (sales made while it waited must not be undone).
 */
function held(op: ReplayOp, atMs: number): ReplayOp {
  if (op.f !== OP.scan || (op.value as ScanInvokeValue).kind !== 'cycle-count') return { ...op, atMs };
  const v = op.value as ScanInvokeValue;
  return { ...op, atMs, value: { ...v, heldMs: (v.heldMs ?? 0) + (atMs - op.atMs) } };
}

/**
 * The store's scan message; a scan without an id gets one from its device and sequence.
 * A cycle count says when the shelf was counted: `heldMs` before it is sent.
 */
export function scanMessage(v: ScanInvokeValue, device: string, nowMs = Date.now()): unknown {
  const message: Record<string, unknown> = {
    scanId: v.scanId ?? `${device}:${v.kind}:${v.sequence}`,
    kind: v.kind,
    sku: v.sku,
    store: v.store,
    sequence: v.sequence,
    qty: v.qty,
  };
  if (v.kind === 'cycle-count') message.countedAt = new Date(nowMs - (v.heldMs ?? 0)).toISOString();
  return message;
}
