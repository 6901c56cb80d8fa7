import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayTimeline, type TimelineOptions } from './replay-timeline.ts';

const times = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 600_000 }), fc.double({ min: 0, max: 600_000, noNaN: true })), {
    maxLength: 200,
  })
  .map((ts) => ts.sort((a, b) => a - b));
const speed = fc.oneof(fc.constantFrom(0.5, 1, 2, 10, 60), fc.double({ min: 0.01, max: 1_000, noNaN: true }));

function map(ts: readonly number[], options: TimelineOptions): number[] {
  const timeline = new ReplayTimeline(options);
  return ts.filter((t) => timeline.includes(t)).map((t) => timeline.next(t));
}

describe('ReplayTimeline', () => {
  it('maps 10 minutes at speed 10 onto 60 s, offset included', () => {
    const timeline = new ReplayTimeline({ speed: 10, startOffsetMs: 500 });
    expect([0, 1_000, 600_000].map((t) => timeline.next(t))).toEqual([500, 600, 60_500]);
    expect(timeline.endAt(600_000)).toBe(60_500);
  });

  it('cuts idle gaps, counting from the window start', () => {
    const timeline = new ReplayTimeline({ window: { fromMs: 1_000 }, maxIdleGapMs: 2_000 });
    expect([60_000, 60_500, 90_000].map((t) => timeline.next(t))).toEqual([2_000, 2_500, 4_500]);
    expect(timeline.endAt(200_000)).toBe(6_500);
  });

  it('refuses bad options, naming each', () => {
    expect(() => new ReplayTimeline({ speed: 0, window: { fromMs: 5, toMs: 5 }, maxIdleGapMs: -1 })).toThrow(
      /speed must be > 0.*window.toMs \(5\) must be after window.fromMs \(5\).*maxIdleGapMs must be > 0/,
    );
  });

  it('property: plan times never go backwards', () => {
    fc.assert(
      fc.property(times, speed, fc.integer({ min: 1, max: 100_000 }), (ts, s, gap) => {
        const out = map(ts, { speed: s, maxIdleGapMs: gap });
        for (let i = 1; i < out.length; i++) expect(out[i]!).toBeGreaterThanOrEqual(out[i - 1]!);
      }),
    );
  });

  it('property: speed k divides every plan time (after the offset) by k', () => {
    fc.assert(
      fc.property(times, speed, fc.integer({ min: 0, max: 10_000 }), (ts, s, offset) => {
        const base = map(ts, { startOffsetMs: offset });
        const fast = map(ts, { speed: s, startOffsetMs: offset });
        // base is rounded to the microsecond, an error that 1/s magnifies.
        fast.forEach((at, i) => {
          expect(Math.abs(at - (offset + (base[i]! - offset) / s))).toBeLessThanOrEqual(0.0006 + 0.0006 / s);
        });
      }),
    );
  });

  it('property: a window keeps only its events and maps them inside [offset, offset + length / speed]', () => {
    fc.assert(
      fc.property(
        times,
        speed,
        fc.integer({ min: 0, max: 300_000 }),
        fc.integer({ min: 1, max: 300_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        (ts, s, from, length, offset) => {
          const window = { fromMs: from, toMs: from + length };
          const timeline = new ReplayTimeline({ speed: s, window, startOffsetMs: offset });
          const kept = ts.filter((t) => timeline.includes(t));
          expect(kept).toEqual(ts.filter((t) => t >= from && t < from + length));
          for (const t of kept) {
            const at = timeline.next(t);
            expect(at).toBeGreaterThanOrEqual(offset);
            expect(at).toBeLessThanOrEqual(offset + length / s + 0.001);
          }
        },
      ),
    );
  });

  it('property: no step is longer than the gap cap / speed, and shorter gaps are kept exactly', () => {
    fc.assert(
      fc.property(times, speed, fc.integer({ min: 1, max: 50_000 }), (ts, s, cap) => {
        const out = map(ts, { speed: s, maxIdleGapMs: cap });
        for (let i = 1; i < out.length; i++) {
          const step = out[i]! - out[i - 1]!;
          const gap = ts[i]! - ts[i - 1]!;
          expect(step).toBeLessThanOrEqual(cap / s + 0.0011);
          if (gap <= cap) expect(Math.abs(step - gap / s)).toBeLessThanOrEqual(0.0011);
        }
      }),
    );
  });
});
