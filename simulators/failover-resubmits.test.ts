import { describe, expect, it } from 'vitest';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import { failoverResubmits } from './failover-resubmits.ts';

const checkout = (atMs: number, i: number, process = `web:shopper-${i}`): ReplayOp => ({
  atMs,
  f: 'checkout',
  process,
  value: {
    idempotencyKey: `k${i}`,
    store: 'S000',
    channel: 'web',
    lines: [{ sku: 'A', qty: 1 }],
    tenders: [],
  },
  source: `e${i}`,
});

describe('failover resubmits', () => {
  const ops = [checkout(100, 1), checkout(900, 2), checkout(950, 3, 'pos:S001-L1'), checkout(2_000, 4)];
  const opts = { windowMs: 200, afterMs: 500, rate: 1, seed: 1 };

  it('sends web checkouts of the window before a boundary again, same key, after the takeover', () => {
    const { ops: out, resubmits } = failoverResubmits(ops, [{ atMs: 1_000 }], opts);
    expect(out).toHaveLength(5);
    const again = out.filter((o) => resubmits.has(o.value as object));
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ atMs: 1_000 + 500 + 100, process: 'web:shopper-2' });
    expect((again[0]!.value as { idempotencyKey: string }).idempotencyKey).toBe('k2');
    // A new value object: the fleet treats it as a new request, not a retry of the first.
    expect(again[0]!.value).not.toBe(ops[1]!.value);
    expect(out.map((o) => o.atMs)).toEqual([...out.map((o) => o.atMs)].sort((a, b) => a - b));
  });

  it('leaves the plan alone with no boundary or a zero rate, and draws the same way every time', () => {
    expect(failoverResubmits(ops, [], opts).ops).toEqual(ops);
    expect(failoverResubmits(ops, [{ atMs: 1_000 }], { ...opts, rate: 0 }).ops).toEqual(ops);
    const many = Array.from({ length: 200 }, (_, i) => checkout(800 + i, i));
    const a = failoverResubmits(many, [{ atMs: 1_000 }], { ...opts, rate: 0.3 });
    const b = failoverResubmits(many, [{ atMs: 1_000 }], { ...opts, rate: 0.3 });
    expect(a.ops.length).toBe(b.ops.length);
    expect(a.resubmits.size).toBeGreaterThan(30);
    expect(a.resubmits.size).toBeLessThan(90);
  });
});
