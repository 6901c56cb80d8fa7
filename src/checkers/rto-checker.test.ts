import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { rtoChecker } from './rto-checker.ts';
import { HistoryFixture } from './testing/history-fixture.ts';

const P = 'checkout-probe';

describe('rto checker', () => {
  it('measures detection and recovery of a region loss with failover', () => {
    const h = new HistoryFixture();
    // a serves, b is a standby (its probe fails) until it takes over at 8 s.
    h.probes(P, 'a', true, 0, 5_000).probes(P, 'a', false, 5_000, 20_000);
    h.probes(P, 'b', false, 50, 8_050).probes(P, 'b', true, 8_050, 20_050);
    h.fault('lose-region-a', 4_950, 15_000);
    const r = rtoChecker().check(h.index(), undefined, defaultCheckOptions);
    expect(r.valid).toBe(true);
    expect(r.figures.detectionMs).toBe(50);
    expect(r.figures.rtoMs).toBe(3_100);
    expect(r.figures['rtoMs{lose-region-a}']).toBe(3_100);
    expect(r.figures.failbackMs).toBe(0);
  });

  it('needs N consecutive ok samples: a flapping recovery does not count', () => {
    const h = new HistoryFixture();
    h.probes(P, 'a', true, 0, 1_000);
    h.fault('cut', 1_000, 3_000);
    h.probes(P, 'a', false, 1_000, 2_000);
    h.probe(P, 'a', true, 2_000).probe(P, 'a', false, 2_100); // one ok, then down again
    h.probes(P, 'a', true, 2_200, 4_000);
    const r = rtoChecker({ recoveredAfter: 3 }).check(h.index(), undefined, defaultCheckOptions);
    expect(r.figures.rtoMs).toBe(1_200);
    expect(r.figures.detectionMs).toBe(0);
  });

  it('fails beyond the objective, and when never recovered past it', () => {
    const h = new HistoryFixture();
    h.probes(P, 'a', true, 0, 1_000)
      .fault('slow', 1_000, 2_000)
      .probes(P, 'a', false, 1_000, 3_000)
      .probes(P, 'a', true, 3_000, 4_000);
    const slow = rtoChecker({ objectiveMs: 1_500 }).check(h.index(), undefined, defaultCheckOptions);
    expect(slow.valid).toBe(false);
    expect(slow.figures.rtoMs).toBe(2_000);
    const never = new HistoryFixture();
    never.probes(P, 'a', true, 0, 1_000).fault('gone', 1_000).probes(P, 'a', false, 1_000, 5_000);
    const r = rtoChecker({ objectiveMs: 2_000 }).check(never.index(), undefined, defaultCheckOptions);
    expect(r.valid).toBe(false);
    expect(r.figures.unrecovered).toBe(1);
    expect(r.evidence[0]!.what).toBe('no sustained recovery after the fault started');
  });

  it('is unknown when the history ends before recovery and before the objective', () => {
    const h = new HistoryFixture();
    h.probes(P, 'a', true, 0, 1_000).fault('gone', 1_000).probes(P, 'a', false, 1_000, 2_000);
    expect(rtoChecker().check(h.index(), undefined, defaultCheckOptions).valid).toBe('unknown');
  });

  it('reports RTO 0 when service never went down (another region kept serving)', () => {
    const h = new HistoryFixture();
    h.probes(P, 'a', true, 0, 1_000).probes(P, 'a', false, 1_000, 3_000);
    h.probes(P, 'b', true, 50, 3_050);
    h.fault('cut-a', 1_000, 2_000);
    const r = rtoChecker().check(h.index(), undefined, defaultCheckOptions);
    expect(r.figures.rtoMs).toBe(0);
    expect(r.figures.detectionMs).toBe(0);
  });

  it('measures a failback disruption after the heal on its own', () => {
    const h = new HistoryFixture();
    h.probes(P, 'a', true, 0, 1_000);
    h.fault('latency', 1_000, 2_000);
    h.probes(P, 'a', true, 1_000, 2_500)
      .probes(P, 'a', false, 2_500, 3_000)
      .probes(P, 'a', true, 3_000, 4_000);
    const r = rtoChecker().check(h.index(), undefined, defaultCheckOptions);
    expect(r.figures.rtoMs).toBe(0);
    expect(r.figures.failbackMs).toBe(500);
  });

  it('has nothing to check with no faults, and is unknown without probe samples', () => {
    expect(rtoChecker().check(new HistoryFixture().index(), undefined, defaultCheckOptions)).toMatchObject({
      valid: 'unknown',
      notApplicable: true,
      figures: { faults: 0 },
    });
    expect(
      rtoChecker().check(new HistoryFixture().fault('x', 0, 10).index(), undefined, defaultCheckOptions)
        .valid,
    ).toBe('unknown');
  });

  it('is unknown when no sample was taken from the fault on', () => {
    const h = new HistoryFixture().probes('checkout-probe', 'a', true, 0, 1_000).fault('x', 2_000, 3_000);
    const r = rtoChecker().check(h.end('completed', 4_000).index(), undefined, defaultCheckOptions);
    expect(r.valid).toBe('unknown');
    expect(r.figures.unobserved).toBe(1);
  });
});
