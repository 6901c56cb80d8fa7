import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventScheduler } from './event-scheduler.ts';

describe('EventScheduler', () => {
  it('pops by time, and in insertion order for equal times', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const scheduler = new EventScheduler<number>();
        for (const [i, t] of times.entries()) scheduler.push(t, i);
        const popped: [number, number][] = [];
        for (let next = scheduler.pop(); next; next = scheduler.pop()) popped.push([next.timeMs, next.item]);
        const expected = times
          .map((t, i): [number, number] => [t, i])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(popped).toEqual(expected);
        expect(scheduler.size).toBe(0);
      }),
    );
  });
});
