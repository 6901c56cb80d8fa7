// One shard of a plan for runs spread over processes or machines: `--shard i/n`
// keeps the ops of the devices that hash to i (the planner's and the worker
// pool's FNV-1a split), so every op lands in exactly one shard and a device's ops,
// and its renames after `info`, stay together. k6 shards by execution segment.
import { PeakdrillError } from '../model/errors.ts';
import { type Shard, shardSchema } from '../model/history-entry.ts';
import type { PlannedOp } from '../model/planned-op.ts';
import { deviceOf, shardIndexOf } from './device-ids.ts';

/** Checks a shard, naming what is wrong with it. */
export function validShard(shard: Shard, what = 'shard'): Shard {
  const parsed = shardSchema.safeParse(shard);
  if (!parsed.success) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `${what} ${JSON.stringify(shard)} is not {index, count} with 0 ≤ index < count`,
      { hint: 'write --shard i/n with 1 ≤ i ≤ n, e.g. --shard 1/2 and --shard 2/2' },
    );
  }
  return parsed.data;
}

/** The ops of one shard, in plan order. Deterministic: the same ops and shard, the same result. */
export function shardPlan<T extends PlannedOp>(ops: readonly T[], shard: Shard): T[] {
  const { index, count } = validShard(shard);
  if (count === 1) return [...ops];
  // Hashing is the cost here: a plan has far fewer devices than ops.
  const memo = new Map<string | number, number>();
  const out: T[] = [];
  for (const op of ops) {
    let part = memo.get(op.process);
    if (part === undefined) {
      part = shardIndexOf(deviceOf(op.process), count);
      memo.set(op.process, part);
    }
    if (part === index) out.push(op);
  }
  return out;
}

/**
 * `--shard i/n` as people write it (1-based, as in Playwright and Jest: 1/2 and 2/2) →
 * the history's 0-based shard.
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const i = m ? Number(m[1]) : Number.NaN;
  const n = m ? Number(m[2]) : Number.NaN;
  if (!(n >= 1 && i >= 1 && i <= n)) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `--shard "${text}" is not i/n with 1 ≤ i ≤ n`, {
      hint: 'e.g. --shard 1/2 on one machine and --shard 2/2 on the other',
    });
  }
  return { index: i - 1, count: n };
}

export function formatShard(shard: Shard): string {
  return `${shard.index + 1}/${shard.count}`;
}

/**
 * The k6 execution segment of a shard: `i/n:(i+1)/n` within the equal-parts sequence, so n k6
 * processes given shards 0…n-1 run every iteration exactly once between them.
 */
export function executionSegment(shard: Shard): { segment: string; sequence: string } {
  const { index, count } = validShard(shard);
  const at = (k: number) => (k === 0 ? '0' : k === count ? '1' : `${k}/${count}`);
  return {
    segment: `${at(index)}:${at(index + 1)}`,
    sequence: Array.from({ length: count + 1 }, (_, k) => at(k)).join(','),
  };
}
