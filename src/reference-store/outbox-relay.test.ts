import { describe, expect, it } from 'vitest';
import { publishableThrough } from './outbox-relay.ts';

const snap = (xmin: number, xmax: number) => ({ xmin: BigInt(xmin), xmax: BigInt(xmax) });

describe('publishableThrough (pure)', () => {
  it('publishes a contiguous run above the cursor', () => {
    expect(publishableThrough(10, [11, 12, 13], snap(100, 105), new Map())).toEqual({
      through: 13,
      count: 3,
    });
    expect(publishableThrough(10, [], snap(100, 105), new Map())).toEqual({ through: 10, count: 0 });
  });

  it('stops before a gap and remembers when it was first seen', () => {
    const gaps = new Map<number, bigint>();
    expect(publishableThrough(10, [11, 13, 14], snap(100, 105), gaps)).toEqual({ through: 11, count: 1 });
    expect(gaps.get(12)).toBe(105n);
  });

  it('publishes the late row in order once its transaction commits', () => {
    const gaps = new Map([[12, 105n]]);
    expect(publishableThrough(11, [12, 13, 14], snap(103, 108), gaps)).toEqual({ through: 14, count: 3 });
    expect(gaps.size).toBe(0);
  });

  it('waits while a transaction running at the first sighting may still commit the missing id', () => {
    const gaps = new Map([[12, 105n]]);
    expect(publishableThrough(11, [13, 14], snap(104, 110), gaps)).toEqual({ through: 11, count: 0 });
    expect(gaps.get(12)).toBe(105n);
  });

  it('skips a gap for good once every transaction running at its first sighting has ended', () => {
    const gaps = new Map([[12, 105n]]);
    expect(publishableThrough(11, [13, 14], snap(105, 110), gaps)).toEqual({ through: 14, count: 2 });
  });

  it('can advance over gaps alone, and forgets gaps below the cursor', () => {
    const gaps = new Map([
      [3, 1n],
      [12, 105n],
      [13, 105n],
    ]);
    expect(publishableThrough(11, [14], snap(200, 210), gaps)).toEqual({ through: 14, count: 1 });
    expect([...gaps.keys()]).toEqual([]);
  });
});
