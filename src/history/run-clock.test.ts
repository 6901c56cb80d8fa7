import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunClock } from './run-clock.ts';

describe('RunClock.wallTime', () => {
  it('reads as new Date(start + ns / 1e6).toISOString(), in any order of calls', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2e12, max: 4e12 }),
        fc.array(fc.integer({ min: 0, max: 9e15 }), { minLength: 1, maxLength: 50 }),
        (startMs, readings) => {
          const clock = new RunClock(0n, new Date(startMs));
          // Sorted and shuffled: a clock is read mostly forward, sometimes from another op's time.
          for (const ns of [...readings].sort((a, b) => a - b).concat(readings)) {
            expect(clock.wallTime(ns)).toBe(new Date(startMs + ns / 1e6).toISOString());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('crosses seconds, minutes and days within one millisecond of the edge', () => {
    const clock = new RunClock(0n, new Date('2025-12-31T23:59:59.998Z'));
    const at = [0, 500_000, 1_000_000, 1_999_999, 2_000_000, 2_000_001, 1_002_000_000, 999_000];
    for (const ns of at)
      expect(clock.wallTime(ns)).toBe(
        new Date(Date.parse('2025-12-31T23:59:59.998Z') + ns / 1e6).toISOString(),
      );
  });
});
