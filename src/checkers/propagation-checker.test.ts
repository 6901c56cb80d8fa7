import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { propagationChecker } from './propagation-checker.ts';
import { HistoryFixture } from './testing/history-fixture.ts';

describe('propagation checker', () => {
  it('reports visibility latency percentiles and samples never seen', () => {
    const h = new HistoryFixture();
    for (let i = 1; i <= 100; i++) {
      h.probe('propagation', undefined, true, i * 10, {
        from: 'a',
        to: 'b',
        writtenNs: i * 1e7,
        visibleNs: i * 1e7 + i * 1e6,
      });
    }
    h.probe('propagation', undefined, false, 2_000, { from: 'a', to: 'b', writtenNs: 1 });
    const r = propagationChecker({ percentiles: [99] }).check(h.index(), undefined, defaultCheckOptions);
    expect(r.valid).toBe(true);
    expect(r.figures).toMatchObject({ samples: 101, notVisible: 1, count: 100, max: 100, min: 1 });
    expect(r.figures['p(99)']).toBeCloseTo(99, 0);
    expect(r.figures.med).toBeCloseTo(50, 0);
  });

  it('is unknown without samples', () => {
    expect(
      propagationChecker().check(new HistoryFixture().index(), undefined, defaultCheckOptions).valid,
    ).toBe('unknown');
  });

  it('has nothing to measure without samples, and is unknown when no sample became visible', () => {
    const none = propagationChecker().check(new HistoryFixture().index(), undefined, defaultCheckOptions);
    expect(none.notApplicable).toBe(true);
    const h = new HistoryFixture();
    h.probe('propagation', undefined, false, 10, { from: 'a', to: 'b', writtenNs: 1 });
    const r = propagationChecker().check(h.index(), undefined, defaultCheckOptions);
    expect(r.valid).toBe('unknown');
    expect(r.figures).toMatchObject({ samples: 1, notVisible: 1 });
  });
});
