import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { metricStem, sloChecker } from './slo-checker.ts';
import { HistoryFixture } from './testing/history-fixture.ts';

describe('slo checker', () => {
  it('splits latency and errors into before, during and after each fault', () => {
    const h = new HistoryFixture();
    for (let t = 0; t < 3_000; t += 10) {
      const during = t >= 1_000 && t < 2_000;
      if (during && t % 100 === 0) h.op('checkout', {}, { at: t, info: true, took: 500 });
      else h.op('checkout', {}, { at: t, ok: {}, took: during ? 200 : 10 });
    }
    h.op('offline-sync', {}, { at: 2_500, fail: {}, code: 'out-of-stock', took: 5 });
    h.op('offline-sync', {}, { at: 2_600, fail: {}, code: 'boom', took: 5 });
    h.fault('lose-a', 1_000, 2_000);
    const r = sloChecker({ percentiles: [97], expectedErrorCodes: ['out-of-stock'] }).check(
      h.index(),
      undefined,
      defaultCheckOptions,
    );
    const f = r.figures;
    expect(f['checkout_ops.count']).toBe(300);
    expect(f['checkout_ops{during:fault}.count']).toBe(100);
    expect(f['checkout_ops{before:lose-a}.count']).toBe(100);
    expect(f['checkout_ops{after:fault}.count']).toBe(100);
    expect(f['checkout_errors{during:lose-a}.rate']).toBe(0.1);
    expect(f['checkout_errors{before:fault}.rate']).toBe(0);
    expect(f['checkout_latency{during:fault}.p(99)']).toBeCloseTo(500, 0);
    expect(f['checkout_latency{during:fault}.med']).toBeCloseTo(200, 0);
    expect(f['checkout_latency{after:fault}.max']).toBeCloseTo(10, 1);
    expect(f['checkout_latency.p(97)']).toBeDefined();
    expect(f['offline_sync_errors.count']).toBe(1);
    expect(r.valid).toBe(true);
  });

  it('counts never-completed ops as errors without a latency', () => {
    const h = new HistoryFixture();
    h.op('read-stock', {}, { at: 0, pending: true });
    h.op('read-stock', {}, { at: 1, ok: {}, took: 3 });
    const f = sloChecker().check(h.index(), undefined, defaultCheckOptions).figures;
    expect(f['read_stock_errors.rate']).toBe(0.5);
    expect(f['read_stock_latency.count']).toBe(1);
  });

  it('names metrics after the op function', () => {
    expect(metricStem('offline-sync')).toBe('offline_sync');
    expect(sloChecker().check(new HistoryFixture().index(), undefined, defaultCheckOptions).valid).toBe(
      'unknown',
    );
  });

  it('says it has nothing to measure in a history without ops', () => {
    const r = sloChecker().check(new HistoryFixture().index(), undefined, defaultCheckOptions);
    expect(r).toMatchObject({ valid: 'unknown', notApplicable: true });
  });
});
