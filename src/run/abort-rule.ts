// The scenario's abort condition, for shared staging environments: stop and
// heal when the error rate stays above a limit for a while. Fed one sample a
// second; pure, so the rule is tested without a run.
import type { SecondTally } from './run-tally.ts';

export interface AbortRule {
  /** Errors / completions above which a second counts as bad. */
  readonly errorRate: number;
  /** How long the bad stretch must last (ms). */
  readonly forMs: number;
}

export class AbortWatch {
  private readonly rule: AbortRule;
  private badSinceMs: number | undefined;

  constructor(rule: AbortRule) {
    this.rule = rule;
  }

  /** Returns why the run must stop, or undefined. `atMs` is the sample's time. */
  observe(sample: SecondTally, atMs: number): string | undefined {
    // A second with no completions says nothing either way (e.g. between bursts).
    if (sample.completions === 0) return undefined;
    const rate = sample.errors / sample.completions;
    if (rate <= this.rule.errorRate) {
      this.badSinceMs = undefined;
      return undefined;
    }
    this.badSinceMs ??= atMs;
    const heldMs = atMs - this.badSinceMs;
    if (heldMs < this.rule.forMs) return undefined;
    return (
      `the error rate stayed above ${formatRate(this.rule.errorRate)} for ${Math.round(heldMs / 1_000)} s ` +
      `(last second: ${sample.errors} of ${sample.completions}, ${formatRate(rate)}), the scenario's abort condition`
    );
  }
}

function formatRate(rate: number): string {
  return `${Math.round(rate * 1_000) / 10}%`;
}
