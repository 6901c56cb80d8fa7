// One op of a plan: what a device does and when, relative to plan time 0.
// Plans are sorted by `atMs`; engines send each op at its time whatever
// happened to earlier ones (open model). `atMs` already includes `speed`.
import { z } from 'zod';

export const plannedOpSchema = z.object({
  /** Milliseconds after plan time 0; fractional values are honoured to the microsecond. */
  atMs: z.number().nonnegative(),
  /** Function name the client dispatches on: 'checkout', 'return', 'offline-sync', 'scan', … */
  f: z.string().min(1),
  /** Device id. Ops of one device stay on one shard, so its renames after `info` stay consistent. */
  process: z.union([z.string().min(1), z.number().int()]),
  /** The request; must survive JSON and structured clone (worker threads). */
  value: z.unknown().optional(),
});

export type PlannedOp<V = unknown> = {
  readonly atMs: number;
  readonly f: string;
  readonly process: string | number;
  readonly value: V;
};

/** Index of the first op whose `atMs` is below its predecessor's, or -1 when the plan is sorted. */
export function firstUnsortedIndex(plan: readonly PlannedOp[]): number {
  for (let i = 1; i < plan.length; i++) {
    if (plan[i]!.atMs < plan[i - 1]!.atMs) return i;
  }
  return -1;
}
