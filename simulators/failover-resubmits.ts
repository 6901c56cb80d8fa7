// Traffic aimed at a failover boundary (Jepsen's generators aim at boundaries):
// web checkouts sent in the last moments before a region is lost are sent again,
// same Idempotency-Key, after the other region has taken over, as a shopper
// does who refreshes the page once the site answers again. Whether the first
// attempt was acknowledged, refused or cut off, the second must get the same
// answer: a target whose idempotency records did not survive the failover sells
// twice. Pure and seeded: the same plan, boundaries and seed give the same ops.
import { type CheckoutInvokeValue, OP } from '../src/model/op-values.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import { draw, sortByTime } from './seeded-draw.ts';

export interface FailoverBoundary {
  /** Plan ms at which the region is lost. */
  readonly atMs: number;
}

export interface ResubmitOptions {
  /** Checkouts sent this long (plan ms) before a boundary are candidates. */
  readonly windowMs: number;
  /** The re-sends start this long (plan ms) after the boundary: once the other region serves. */
  readonly afterMs: number;
  /** Share of the candidates that are sent again. */
  readonly rate: number;
  readonly seed: number;
}

/** The plan with the re-sends added (new value objects, same keys), and the re-sends themselves. */
export function failoverResubmits(
  ops: readonly ReplayOp[],
  boundaries: readonly FailoverBoundary[],
  options: ResubmitOptions,
): { ops: ReplayOp[]; resubmits: Set<object> } {
  const resubmits = new Set<object>();
  if (boundaries.length === 0 || options.rate <= 0) return { ops: [...ops], resubmits };
  const added: ReplayOp[] = [];
  for (const op of ops) {
    if (op.f !== OP.checkout || !op.process.toString().startsWith('web:')) continue;
    const b = boundaries.find((x) => op.atMs >= x.atMs - options.windowMs && op.atMs < x.atMs);
    if (b === undefined || draw(options.seed, 'failover-resubmit', op.source) >= options.rate) continue;
    // Same spacing as the originals, shifted past the takeover: the burst a site meets on its return.
    const value: CheckoutInvokeValue = { ...(op.value as CheckoutInvokeValue) };
    resubmits.add(value);
    added.push({ ...op, atMs: b.atMs + options.afterMs + (op.atMs - (b.atMs - options.windowMs)), value });
  }
  return { ops: added.length === 0 ? [...ops] : sortByTime([...ops, ...added]), resubmits };
}
