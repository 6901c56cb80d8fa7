import { describe, expect, it } from 'vitest';
import { evaluateThreshold, parseThreshold, ThresholdError } from './threshold-expression.ts';

describe('threshold expressions', () => {
  it.each([
    ['<60s', undefined, '<', 60_000, 'ms'],
    ['==0', undefined, '==', 0, undefined],
    ['p(99)<800', 'p(99)', '<', 800, undefined],
    ['p(99.9) <= 1.5s', 'p(99.9)', '<=', 1_500, 'ms'],
    ['rate<0.01', 'rate', '<', 0.01, undefined],
    ['rate<1%', 'rate', '<', 0.01, 'ratio'],
    ['<=5', undefined, '<=', 5, undefined],
    [' avg > 250ms ', 'avg', '>', 250, 'ms'],
    ['count>=-3', 'count', '>=', -3, undefined],
    ['max!=2m', 'max', '!=', 120_000, 'ms'],
    ['value<1h', 'value', '<', 3_600_000, 'ms'],
  ])('parses %s', (text, aggregate, operator, value, unit) => {
    const t = parseThreshold(text, 'a');
    expect(t).toMatchObject({ aggregate, operator, unit });
    expect(t.value).toBeCloseTo(value, 10);
  });

  it('evaluates every operator', () => {
    const at = (text: string, x: number) => evaluateThreshold(parseThreshold(text, 'a'), x);
    expect(at('<60s', 59_999)).toBe(true);
    expect(at('<60s', 60_000)).toBe(false);
    expect(at('<=5', 5)).toBe(true);
    expect(at('>1', 1)).toBe(false);
    expect(at('>=1', 1)).toBe(true);
    expect(at('==0', 0)).toBe(true);
    expect(at('==0', 1)).toBe(false);
    expect(at('!=0', 1)).toBe(true);
  });

  it.each(['', '60s', '<', '< sixty', 'p99<800', 'p(0)<1', 'p(101)<1', 'median<3', '<60x', '=<5', '<1e3'])(
    'rejects %j with an error naming the assertion',
    (text) => {
      let error: unknown;
      try {
        parseThreshold(text, 'checkout_latency{during:fault}');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ThresholdError);
      expect((error as ThresholdError).message).toMatch(/^assertion "checkout_latency\{during:fault\}": /);
      expect((error as ThresholdError).code).toBe('PEAKDRILL_ERR_INVALID_SCENARIO');
      expect((error as ThresholdError).assertion).toBe('checkout_latency{during:fault}');
    },
  );
});
