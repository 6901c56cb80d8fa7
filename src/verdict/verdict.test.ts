import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../checkers/checker.ts';
import { percentilesWanted, resolveMetric } from './assertion-metrics.ts';
import { parseThreshold } from './threshold-expression.ts';
import { buildVerdict, runOutcome, type VerdictInput } from './verdict.ts';

const result = (name: string, valid: CheckResult['valid'], figures: Record<string, number>): CheckResult => ({
  name,
  valid,
  figures,
  evidence: [{ what: `${name} evidence`, key: 'k1' }],
  explanation: `${name} explained`,
});

const base = (over: Partial<VerdictInput> = {}): VerdictInput => ({
  scenario: 'region-failover',
  seed: 7,
  versions: { peakdrill: '0.1.0' },
  run: { runId: 'r1', endStatus: 'completed' },
  results: [
    result('rto', true, { rtoMs: 3_100 }),
    result('lost-acks', true, { lostAcks: 0 }),
    result('slo', true, {
      'checkout_latency{during:fault}.p(99)': 750,
      'checkout_errors{during:fault}.rate': 0.002,
    }),
  ],
  assertions: {
    rto: '<60s',
    lost_acks: '==0',
    'checkout_latency{during:fault}': 'p(99)<800',
    'checkout_errors{during:fault}': 'rate<1%',
  },
  generatedAt: new Date('2025-11-21T18:00:00Z'),
  ...over,
});

describe('verdict', () => {
  it('is error for a damaged history, naming file and line, even when everything else passed', () => {
    const damage = { file: '/runs/r1/history.ndjson', line: 812, reason: 'is not JSON (Unexpected end)' };
    const v = buildVerdict(base({ run: { runId: 'r1', endStatus: 'completed', damage } }));
    expect(v.status).toBe('error');
    expect(v.summary).toContain('/runs/r1/history.ndjson:812 is not JSON');
    expect(v.run).toEqual({ endStatus: 'completed', damage });
    expect(
      runOutcome({ endStatus: 'completed', damage: { ...damage, damagedLines: 3 } as never }).damage,
    ).toEqual(damage);
  });
  it('passes when every assertion holds, with each threshold, measured value and result', () => {
    const v = buildVerdict(base());
    expect(v.status).toBe('pass');
    expect(v.assertions.map((a) => [a.name, a.measured, a.result])).toEqual([
      ['rto', 3_100, 'pass'],
      ['lost_acks', 0, 'pass'],
      ['checkout_latency{during:fault}', 750, 'pass'],
      ['checkout_errors{during:fault}', 0.002, 'pass'],
    ]);
    expect(v.assertions[0]).toMatchObject({ checker: 'rto', figure: 'rtoMs', unit: 'ms', threshold: '<60s' });
    expect(v.runId).toBe('r1');
  });

  it('fails an assertion over its threshold, with the checker evidence', () => {
    const v = buildVerdict(
      base({ results: [result('rto', false, { rtoMs: 91_000 }), ...base().results.slice(1)] }),
    );
    expect(v.status).toBe('fail');
    const rto = v.assertions.find((a) => a.name === 'rto')!;
    expect(rto).toMatchObject({ result: 'fail', measured: 91_000 });
    expect(rto.evidence[0]!.what).toBe('rto evidence');
    expect(v.summary).toContain('1 of 4 assertions failed (rto)');
  });

  it('never passes a run that did not finish', () => {
    expect(buildVerdict(base({ run: { endStatus: undefined } })).status).toBe('error');
    const aborted = buildVerdict(
      base({ run: { endStatus: 'aborted', endReason: 'error rate 40% for 30s' } }),
    );
    expect(aborted.status).toBe('error');
    expect(aborted.summary).toContain('aborted (error rate 40% for 30s)');
    expect(aborted.run).toEqual({ endStatus: 'aborted', endReason: 'error rate 40% for 30s' });
  });

  it('cannot pass an undecided assertion: a missing figure or a checker that said unknown', () => {
    const v = buildVerdict(
      base({
        results: [
          result('rto', 'unknown', { rtoMs: 10 }),
          result('lost-acks', 'unknown', {}),
          base().results[2]!,
        ],
      }),
    );
    expect(v.status).toBe('fail');
    expect(v.assertions.slice(0, 2).map((a) => a.result)).toEqual(['unknown', 'unknown']);
    expect(v.summary).toContain('2 could not be decided (rto, lost_acks)');
  });

  it('is an error for a bad threshold, an unknown name or a checker that did not run', () => {
    const bad = buildVerdict(base({ assertions: { rto: '<60 seconds' } }));
    expect(bad.status).toBe('error');
    expect(bad.assertions[0]!.explanation).toMatch(
      /^assertion "rto": threshold "<60 seconds" is not understood/,
    );
    expect(buildVerdict(base({ assertions: { nonsense_metric: '==0' } })).assertions[0]!.explanation).toMatch(
      /no such measurement/,
    );
    expect(buildVerdict(base({ assertions: { oversold_units: '==0' } })).assertions[0]!.explanation).toBe(
      'assertion "oversold_units": no checker named oversell ran',
    );
  });

  it('fails on a checker violation nobody asserted, unless invariants are only reported', () => {
    const results = [...base().results, result('drift', false, { driftRate: 0.1 })];
    const v = buildVerdict(base({ results }));
    expect(v.status).toBe('fail');
    expect(v.summary).toContain('drift found violations');
    expect(buildVerdict(base({ results, invariants: 'report' })).status).toBe('pass');
  });

  it('reads the run outcome from a history index', () => {
    expect(runOutcome({ header: { runId: 'x' }, endStatus: 'completed', endReason: undefined })).toEqual({
      runId: 'x',
      endStatus: 'completed',
      endReason: undefined,
    });
  });
});

describe('assertion names', () => {
  const ref = (name: string, text: string) => resolveMetric(name, parseThreshold(text, name));

  it('maps named figures, SLO series, propagation and checker.figure', () => {
    expect(ref('oversold_units', '==0')).toEqual({ checker: 'oversell', figure: 'oversoldUnits' });
    expect(ref('stale_overwrites', 'value==0')).toEqual({ checker: 'ordering', figure: 'staleOverwrites' });
    expect(ref('checkout_latency', 'p(95)<300')).toEqual({
      checker: 'slo',
      figure: 'checkout_latency.p(95)',
    });
    expect(ref('offline_sync_errors{after:lose-region-a}', '<0.1')).toEqual({
      checker: 'slo',
      figure: 'offline_sync_errors{after:lose-region-a}.rate',
    });
    expect(ref('checkout_ops{during:fault}', '>100')).toEqual({
      checker: 'slo',
      figure: 'checkout_ops{during:fault}.count',
    });
    expect(ref('propagation_latency', 'p(99)<2s')).toEqual({ checker: 'propagation', figure: 'p(99)' });
    expect(ref('oversell.epcDoubleSold', '==0')).toEqual({ checker: 'oversell', figure: 'epcDoubleSold' });
  });

  it('rejects aggregates that do not fit the measurement', () => {
    expect(() => ref('rto', 'p(99)<60s')).toThrow(/"rto" is a single figure: write '<60s', without p\(99\)/);
    expect(() => ref('checkout_latency', '<800')).toThrow(/is a distribution: name an aggregate/);
    expect(() => ref('checkout_latency', 'rate<800')).toThrow(/not a rate/);
    expect(() => ref('checkout_errors', 'p(99)<1')).toThrow(/is a rate/);
  });

  it('collects the percentiles assertions ask for', () => {
    expect(
      percentilesWanted([
        parseThreshold('p(97.5)<1', 'a'),
        parseThreshold('==0', 'b'),
        parseThreshold('p(99)<1', 'c'),
      ]),
    ).toEqual([97.5, 99]);
  });
});
