// Barcode scanners (`scanner:<store>:<device>`) in the back room: receiving and
// stock adjustments published to Kafka `scans`, keyed by SKU; a configurable
// share scanned twice (the same scan id), as a double beep does.
import type { ClientOp, Completion } from '../src/engines/open-model-scheduler.ts';
import { OP, type ScanInvokeValue } from '../src/model/op-values.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import type { DeviceFleet, PlanShaper } from './device-fleet.ts';
import type { KafkaScanPublisher } from './kafka-scan-publisher.ts';
import { scanMessage } from './rfid-reader-fleet.ts';
import { draw, drawInt, sortByTime } from './seeded-draw.ts';

export interface BarcodeScannerOptions {
  /** How long a publish may take before it counts as unknown (default 5 s). */
  readonly timeoutMs?: number;
  /** Share of scans sent twice (default 0). */
  readonly duplicateRate?: number;
  readonly seed?: number;
}

export class BarcodeScannerFleet implements DeviceFleet, PlanShaper {
  readonly kind = 'scanner' as const;
  private readonly publisher: KafkaScanPublisher;
  private readonly timeoutMs: number;
  private readonly duplicateRate: number;
  private readonly seed: number;

  constructor(options: BarcodeScannerOptions, publisher: KafkaScanPublisher) {
    this.publisher = publisher;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.duplicateRate = options.duplicateRate ?? 0;
    this.seed = options.seed ?? 1;
  }

  open(): Promise<void> {
    return this.publisher.open();
  }

  async close(): Promise<void> {}

  shapePlan(ops: readonly ReplayOp[]): ReplayOp[] {
    if (this.duplicateRate <= 0) return [...ops];
    const out: ReplayOp[] = [];
    for (const op of ops) {
      out.push(op);
      if (
        op.f === OP.scan &&
        String(op.process).startsWith('scanner:') &&
        draw(this.seed, 'double-scan', op.source) < this.duplicateRate
      ) {
        out.push({ ...op, atMs: op.atMs + drawInt(200, 1_500, this.seed, 'double-scan-at', op.source) });
      }
    }
    return sortByTime(out);
  }

  invoke(op: ClientOp): Promise<Completion> {
    if (op.f !== OP.scan) {
      return Promise.resolve({
        type: 'fail',
        error: { code: 'unknown-f', message: `a scanner cannot ${op.f}` },
      });
    }
    const v = op.value as ScanInvokeValue;
    return this.publisher.publish(
      v.sku,
      scanMessage(v, String(op.process)),
      Math.min(this.timeoutMs, op.timeoutMs),
    );
  }
}
