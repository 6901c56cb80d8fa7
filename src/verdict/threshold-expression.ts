// Assertion thresholds in k6's words: `[aggregate] operator number[unit]`, e.g.
// '<60s', '==0', 'p(99)<800', 'rate<0.01', '<=5', 'avg<250ms', 'rate<1%'.
// Durations become milliseconds (the unit of every time figure) and '%' a ratio.
// A threshold that does not parse is an error naming its assertion.
import { PeakdrillError } from '../model/errors.ts';

export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type Aggregate = 'avg' | 'min' | 'max' | 'med' | 'rate' | 'count' | 'value' | `p(${string})`;

export interface Threshold {
  readonly source: string;
  /** The aggregate named, or undefined for a single figure ('<60s', '==0'). */
  readonly aggregate: Aggregate | undefined;
  readonly operator: ThresholdOperator;
  /** In figure units: durations in ms, '%' as a ratio. */
  readonly value: number;
  readonly unit: 'ms' | 'ratio' | undefined;
}

const GRAMMAR =
  /^\s*(?:(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|min|max|med|rate|count|value)\s*)?(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|%)?\s*$/;

const TO_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export class ThresholdError extends PeakdrillError {
  readonly assertion: string;

  constructor(assertion: string, message: string) {
    super('PEAKDRILL_ERR_INVALID_SCENARIO', `assertion "${assertion}": ${message}`, {
      hint: "write a threshold like '<60s', '==0', 'p(99)<800' or 'rate<0.01'",
    });
    this.assertion = assertion;
  }
}

export function parseThreshold(text: string, assertion: string): Threshold {
  const m = GRAMMAR.exec(text);
  if (m === null) {
    throw new ThresholdError(
      assertion,
      `threshold "${text}" is not understood: expected [aggregate] operator number[unit], with aggregate one of p(N), avg, min, max, med, rate, count, value and unit one of ms, s, m, h, %`,
    );
  }
  const [, agg, pct, op, num, unit] = m;
  let aggregate: Aggregate | undefined = agg as Aggregate | undefined;
  if (pct !== undefined) {
    const p = Number(pct);
    if (p <= 0 || p > 100)
      throw new ThresholdError(assertion, `threshold "${text}": percentile ${pct} is not in (0, 100]`);
    aggregate = `p(${p})`;
  }
  let value = Number(num);
  let u: Threshold['unit'];
  if (unit === '%') {
    value /= 100;
    u = 'ratio';
  } else if (unit !== undefined) {
    value *= TO_MS[unit]!;
    u = 'ms';
  }
  return { source: text, aggregate, operator: op as ThresholdOperator, value, unit: u };
}

export function evaluateThreshold(t: Threshold, measured: number): boolean {
  switch (t.operator) {
    case '<':
      return measured < t.value;
    case '<=':
      return measured <= t.value;
    case '>':
      return measured > t.value;
    case '>=':
      return measured >= t.value;
    case '==':
      return measured === t.value;
    case '!=':
      return measured !== t.value;
  }
}
