import { describe, expect, it } from 'vitest';
import type { PlannedOp } from '../src/model/planned-op.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import { FLEET_WAIT_F, FleetPlanStream, type ResolvedOp } from './fleet-plan-stream.ts';
import { type FollowUpItem, type FollowUpOp, FollowUpQueue, PendingDecisions } from './follow-up-queue.ts';

const op = (atMs: number, f = 'checkout'): ReplayOp => ({
  atMs,
  f,
  process: 'web:shopper-1',
  value: { atMs },
  source: `e${atMs}`,
});

class Item implements FollowUpItem {
  readonly asked: number[] = [];
  private readonly answer: FollowUpOp | null;
  constructor(answer: FollowUpOp | null) {
    this.answer = answer;
  }
  takeFollowUp(gen: number): FollowUpOp | null {
    this.asked.push(gen);
    return this.answer;
  }
}

function stream(
  ops: ReplayOp[],
  opts: { now?: () => number; resolve?: (op: ReplayOp) => ResolvedOp; tailMs?: number } = {},
) {
  const queue = new FollowUpQueue();
  const decisions = new PendingDecisions();
  const s = new FleetPlanStream(
    ops,
    queue,
    decisions,
    opts.now ?? (() => 0),
    opts.resolve ?? ((o) => o),
    opts.tailMs ?? 1_000,
  );
  return { s, queue, decisions };
}

const take = (s: Iterator<PlannedOp>, n: number) =>
  Array.from({ length: n }, () => s.next().value as PlannedOp | undefined);

describe('FleetPlanStream', () => {
  it('merges follow-ups by due time; one queued late goes right after the op already taken', () => {
    const { s, queue } = stream([op(0), op(100), op(200)]);
    const it = s[Symbol.iterator]();
    queue.push(new Item({ f: 'retry', process: 'web:shopper-1', value: 1 }), 150, 7);
    expect(take(it, 2).map((o) => [o!.atMs, o!.f])).toEqual([
      [0, 'checkout'],
      [100, 'checkout'],
    ]);
    queue.push(new Item({ f: 'late', process: 'web:shopper-1', value: 2 }), 120, 1);
    expect(take(it, 3).map((o) => [o!.atMs, o!.f])).toEqual([
      [120, 'late'],
      [150, 'retry'],
      [200, 'checkout'],
    ]);
    expect(it.next().done).toBe(true);
    expect(s.counts).toMatchObject({ emitted: 5, followUps: 2, waits: 0 });
  });

  it('skips follow-ups that say no and those past the tail', () => {
    const { s, queue } = stream([op(0)], { tailMs: 500 });
    const no = new Item(null);
    queue.push(no, 10, 3);
    queue.push(new Item({ f: 'x', process: 'p', value: 0 }), 501, 0);
    expect([...s].map((o) => o.atMs)).toEqual([0]);
    expect(no.asked).toEqual([3]);
    expect(s.counts.followUpsPastTail).toBe(1);
  });

  it('waits, 50 ms and doubling, while an attempt that may queue a follow-up is out after the last op', () => {
    let now = 0;
    const { s, decisions } = stream([op(0)], { now: () => now });
    const it = s[Symbol.iterator]();
    expect(it.next().value).toMatchObject({ atMs: 0 });
    const ticket = decisions.open(1_000);
    const waits = take(it, 3).map((o) => {
      now = o!.atMs;
      return [o!.f, o!.atMs];
    });
    expect(waits).toEqual([
      [FLEET_WAIT_F, 50],
      [FLEET_WAIT_F, 150],
      [FLEET_WAIT_F, 350],
    ]);
    ticket.closed = true;
    expect(it.next().done).toBe(true);
  });

  it('does not wait when the next op comes before the attempt must have settled', () => {
    const { s, decisions } = stream([op(0), op(500)]);
    const ticket = decisions.open(1_000);
    const it = s[Symbol.iterator]();
    expect(take(it, 3).map((o) => o!.f)).toEqual(['checkout', 'checkout', FLEET_WAIT_F]);
    ticket.closed = true;
    expect(it.next().done).toBe(true);
  });

  it('asks again on later pulls for an op its fleet cannot finish yet, and counts what it leaves out', () => {
    let ready = false;
    const { s } = stream([op(0), op(10, 'return'), op(20, 'return'), op(30)], {
      resolve: (o) =>
        o.f !== 'return'
          ? o
          : o.atMs === 20
            ? 'return-of-fail-order'
            : ready
              ? { ...o, value: 'resolved' }
              : null,
    });
    const it = s[Symbol.iterator]();
    expect(take(it, 2).map((o) => [o!.atMs, o!.f])).toEqual([
      [0, 'checkout'],
      [30, 'checkout'],
    ]);
    ready = true;
    expect(it.next().value).toMatchObject({ atMs: 30, f: 'return', value: 'resolved' });
    expect(it.next().done).toBe(true);
    expect(s.counts.leftOut).toEqual({ 'return-of-fail-order': 1 });
  });
});
