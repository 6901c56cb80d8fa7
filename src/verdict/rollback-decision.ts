// A migration playbook's rollback criteria, judged from the checkers' figures:
// roll back when drift stays above its SLA, when replaying the queued webhooks
// failed too often, or when too many acknowledged sales cannot be fulfilled from
// the new system. A criterion that could not be measured is a reason to roll back
// too: a cutover nobody can vouch for is not one to keep.
import type { CheckResult } from '../checkers/checker.ts';

export interface RollbackCriterion {
  readonly name: string;
  /** Roll back above this share (0.001 = 0.1 %). */
  readonly limit: number;
  /** null: could not be measured. */
  readonly measured: number | null;
  readonly breached: boolean;
}

export interface RollbackDecision {
  readonly rollBack: boolean;
  /** One line per reason; the criteria that held when there is none. */
  readonly because: readonly string[];
  readonly criteria: readonly RollbackCriterion[];
}

/** The seeds' playbook: drift 0.1 %, webhook replay failures 5 %, fulfilment failures 2 %. */
export const DEFAULT_ROLLBACK_LIMITS = { drift: 0.001, webhookReplay: 0.05, fulfilment: 0.02 } as const;

function figure(results: readonly CheckResult[], checker: string, name: string): number | undefined {
  const r = results.find((x) => x.name === checker);
  const v = r?.figures[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Fulfilment failures: acknowledged sales the new system does not hold, over those acknowledged. */
function fulfilmentFailureRate(results: readonly CheckResult[]): number | undefined {
  const lost = figure(results, 'lost-acks', 'lostAcks');
  const acked = figure(results, 'lost-acks', 'acknowledgedOps');
  if (lost === undefined || acked === undefined) return undefined;
  return acked === 0 ? 0 : lost / acked;
}

function webhookReplayFailureRate(results: readonly CheckResult[]): number | undefined {
  const r = results.find((x) => x.name === 'webhook-replay');
  // Nothing was queued: nothing to replay, so nothing failed.
  if (r?.notApplicable === true) return 0;
  return figure(results, 'webhook-replay', 'webhookFailureRate');
}

const pct = (v: number) => `${Math.round(v * 100_000) / 1_000} %`;

export function decideRollback(
  results: readonly CheckResult[],
  limits: typeof DEFAULT_ROLLBACK_LIMITS = DEFAULT_ROLLBACK_LIMITS,
): RollbackDecision {
  const measured: [string, number, number | undefined][] = [
    ['inventory drift', limits.drift, figure(results, 'drift', 'driftRate')],
    ['webhook replay failures', limits.webhookReplay, webhookReplayFailureRate(results)],
    ['fulfilment failures', limits.fulfilment, fulfilmentFailureRate(results)],
  ];
  const criteria = measured.map(([name, limit, value]) => ({
    name,
    limit,
    measured: value ?? null,
    breached: value === undefined || value > limit,
  }));
  const breached = criteria.filter((c) => c.breached);
  const because = (breached.length > 0 ? breached : criteria).map((c) =>
    c.measured === null
      ? `${c.name} could not be measured`
      : `${c.name} ${pct(c.measured)} ${c.breached ? '>' : '≤'} ${pct(c.limit)}`,
  );
  return { rollBack: breached.length > 0, because, criteria };
}

/** "roll back: yes, because …" / "roll back: no, because …", for the first lines of a report. */
export function rollbackLine(d: Pick<RollbackDecision, 'rollBack' | 'because'>): string {
  return `roll back: ${d.rollBack ? 'yes' : 'no'}, because ${d.because.join('; ')}`;
}
