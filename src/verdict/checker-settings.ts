// From a scenario's assertions and probe settings to what the checkers need:
// the percentiles assertions ask of latency series, the RTO objective and the
// recovery rule. Also checks every assertion up front (at scenario load), so a
// bad threshold or an unknown name fails before the run, not after it.
import type { CheckerSettings } from '../checkers/all-checkers.ts';
import { PeakdrillError } from '../model/errors.ts';
import { percentilesWanted, resolveMetric } from './assertion-metrics.ts';
import { parseThreshold, type Threshold, ThresholdError } from './threshold-expression.ts';

export interface AssertionSource {
  readonly assertions: Readonly<Record<string, string>>;
  /** Consecutive ok checkout-probe samples that count as recovered (scenario.probes.recoveredAfter). */
  readonly recoveredAfter?: number;
  /** Business rejections that are not errors in SLO error rates, e.g. out-of-stock. */
  readonly expectedErrorCodes?: readonly string[];
}

/** Parses and resolves every assertion; throws one error listing every problem. */
export function validateAssertions(assertions: Readonly<Record<string, string>>): Map<string, Threshold> {
  const out = new Map<string, Threshold>();
  const problems: string[] = [];
  for (const [name, text] of Object.entries(assertions)) {
    try {
      const t = parseThreshold(text, name);
      resolveMetric(name, t);
      out.set(name, t);
    } catch (error) {
      if (!(error instanceof ThresholdError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_SCENARIO',
      `assertions are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        hint: "write thresholds like '<60s', '==0', 'p(99)<800' or 'rate<0.01'",
      },
    );
  }
  return out;
}

export function checkerSettingsFor(source: AssertionSource): CheckerSettings {
  const thresholds = validateAssertions(source.assertions);
  const percentiles = percentilesWanted([...thresholds.values()]);
  const rto = thresholds.get('rto');
  // '<60s' / '<=60s' is the objective the RTO checker holds each outage to.
  const objectiveMs =
    rto !== undefined && (rto.operator === '<' || rto.operator === '<=') ? rto.value : undefined;
  return {
    rto: {
      ...(source.recoveredAfter === undefined ? {} : { recoveredAfter: source.recoveredAfter }),
      ...(objectiveMs === undefined ? {} : { objectiveMs }),
    },
    slo: {
      percentiles,
      ...(source.expectedErrorCodes === undefined ? {} : { expectedErrorCodes: source.expectedErrorCodes }),
    },
    propagation: { percentiles },
  };
}
