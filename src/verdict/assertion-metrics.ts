// Which checker figure an assertion name measures. Three forms:
// named figures (`rto`, `lost_acks`, `oversold_units`, …, listed below);
// SLO series `<f>_latency|errors|ops{phase:fault}` with an aggregate
// ('p(99)<800' on `checkout_latency{during:fault}`); and `<checker>.<figure>`
// for any other figure a checker reports.
import type { Aggregate, Threshold } from './threshold-expression.ts';
import { ThresholdError } from './threshold-expression.ts';

export interface MetricRef {
  readonly checker: string;
  /** The figure's key in that checker's figures. */
  readonly figure: string;
}

/** Assertion names for single figures, with the checker and figure each reads. */
export const NAMED_FIGURES: Readonly<Record<string, MetricRef>> = {
  oversold_units: { checker: 'oversell', figure: 'oversoldUnits' },
  epc_double_sold: { checker: 'oversell', figure: 'epcDoubleSold' },
  negative_stock: { checker: 'oversell', figure: 'negativeStock' },
  lost_acks: { checker: 'lost-acks', figure: 'lostAcks' },
  data_loss_window: { checker: 'lost-acks', figure: 'dataLossWindowMs' },
  rpo: { checker: 'lost-acks', figure: 'rpoMs' },
  rto: { checker: 'rto', figure: 'rtoMs' },
  detection_time: { checker: 'rto', figure: 'detectionMs' },
  failback_time: { checker: 'rto', figure: 'failbackMs' },
  split_brain: { checker: 'split-brain', figure: 'writesBetweenOtherWriters' },
  duplicate_applies: { checker: 'idempotency', figure: 'duplicateApplies' },
  stale_overwrites: { checker: 'ordering', figure: 'staleOverwrites' },
  out_of_order_applies: { checker: 'ordering', figure: 'outOfOrderApplies' },
  drift_rate: { checker: 'drift', figure: 'driftRate' },
  drifted_skus: { checker: 'drift', figure: 'driftedSkus' },
  region_drift_rate: { checker: 'drift', figure: 'regionDriftRate' },
  offline_sales_lost: { checker: 'offline-reconciliation', figure: 'lost' },
  offline_sales_double_applied: { checker: 'offline-reconciliation', figure: 'doubleApplied' },
  offline_tender_mismatches: { checker: 'offline-reconciliation', figure: 'tenderMismatches' },
  offline_unaccounted_units: { checker: 'offline-reconciliation', figure: 'unaccountedUnits' },
  refund_over_tender: { checker: 'tender-integrity', figure: 'overRefunds' },
  refund_over_tender_cents: { checker: 'tender-integrity', figure: 'overRefundCents' },
  duplicate_refunds: { checker: 'tender-integrity', figure: 'duplicateRefunds' },
  erased_sale_units: { checker: 'count-integrity', figure: 'erasedUnits' },
  queued_webhooks_lost: { checker: 'webhook-replay', figure: 'lostQueuedWebhooks' },
  webhook_failure_rate: { checker: 'webhook-replay', figure: 'webhookFailureRate' },
  replay_backlog: { checker: 'webhook-replay', figure: 'replayBacklogPeak' },
  unconfirmed_stock_rate: { checker: 'stock-confirmation', figure: 'unconfirmedStockRate' },
};

/** Trend series with aggregates: the propagation probe, and SLO series per op function. */
const PROPAGATION = 'propagation_latency';
const SLO_SERIES = /^([a-z0-9_]+)_(latency|errors|ops|drops)(\{(?:before|during|after):[A-Za-z0-9_.-]+\})?$/;
const CHECKER_FIGURE = /^([a-z][a-z0-9-]*)\.([A-Za-z0-9_(){}:.-]+)$/;

const TREND_AGGREGATES = new Set(['avg', 'min', 'max', 'med', 'count']);

/** Resolves an assertion to the figure it compares; throws a ThresholdError naming the assertion. */
export function resolveMetric(name: string, t: Threshold): MetricRef {
  const named = NAMED_FIGURES[name];
  if (named !== undefined) {
    if (t.aggregate !== undefined && t.aggregate !== 'value') {
      throw new ThresholdError(
        name,
        `"${name}" is a single figure: write '${t.source.replace(/^\s*[a-z]+(\([^)]*\))?\s*/, '')}', without ${t.aggregate}`,
      );
    }
    return named;
  }
  if (name === PROPAGATION) return { checker: 'propagation', figure: trendAggregate(name, t) };
  const slo = SLO_SERIES.exec(name);
  if (slo !== null) {
    const kind = slo[2]!;
    let agg: Aggregate;
    if (kind === 'latency') agg = trendAggregate(name, t);
    else if (kind === 'errors') agg = t.aggregate ?? 'rate';
    else agg = t.aggregate ?? 'count';
    if (kind === 'errors' && agg !== 'rate' && agg !== 'count') {
      throw new ThresholdError(name, `"${name}" is a rate: use rate or count, not ${agg}`);
    }
    if ((kind === 'ops' || kind === 'drops') && agg !== 'count') {
      throw new ThresholdError(name, `"${name}" is a count: use count, not ${agg}`);
    }
    return { checker: 'slo', figure: `${name}.${agg}` };
  }
  const cf = CHECKER_FIGURE.exec(name);
  if (cf !== null) {
    const figure = t.aggregate === undefined || t.aggregate === 'value' ? cf[2]! : `${cf[2]}.${t.aggregate}`;
    return { checker: cf[1]!, figure };
  }
  throw new ThresholdError(
    name,
    `no such measurement; use one of ${Object.keys(NAMED_FIGURES).join(', ')}, ${PROPAGATION}, <op>_latency|errors|ops{during:fault}, or <checker>.<figure>`,
  );
}

function trendAggregate(name: string, t: Threshold): Aggregate {
  const a = t.aggregate;
  if (a === undefined || a === 'value') {
    throw new ThresholdError(
      name,
      `"${name}" is a distribution: name an aggregate, e.g. 'p(99)<800' or 'avg<200'`,
    );
  }
  if (a === 'rate')
    throw new ThresholdError(
      name,
      `"${name}" is a distribution, not a rate: use p(N), avg, min, max, med or count`,
    );
  if (!a.startsWith('p(') && !TREND_AGGREGATES.has(a))
    throw new ThresholdError(name, `unknown aggregate ${a}`);
  return a;
}

/** Percentiles the assertions ask of distributions, so the SLO and propagation checkers report them. */
export function percentilesWanted(thresholds: readonly Threshold[]): number[] {
  const out = new Set<number>();
  for (const t of thresholds) {
    const m = t.aggregate === undefined ? null : /^p\((.+)\)$/.exec(t.aggregate);
    if (m !== null) out.add(Number(m[1]));
  }
  return [...out];
}
