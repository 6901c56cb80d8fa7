// The run's live figures for Prometheus, fed by the same history entries the
// history file gets (RunTally hands each one over), so a scrape and the history
// can never disagree. One registry per run, never prom-client's global one: two
// runs in one process (tests, shards) must not share counters. Labels stay low
// in cardinality: op kinds, outcomes, fault names and kinds, probe names and
// sites, never a SKU, a key or an op id.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { FLEET_WAIT_F } from '../../simulators/fleet-plan-stream.ts';
import type { CheckResult } from '../checkers/checker.ts';
import type { HistoryEntry } from '../model/history-entry.ts';
import { OP, PROBE } from '../model/op-values.ts';

/** Factor-2 buckets from 1 ms to ~65 s: what a native histogram's schema 0 would give. */
export const SECONDS_BUCKETS: readonly number[] = Array.from({ length: 17 }, (_, i) => 0.001 * 2 ** i);

/** The verdict figures a game-day screen shows, by checker and figure, as gauge names. */
const VERDICT_GAUGES: readonly (readonly [string, string, string, string])[] = [
  ['drift', 'driftRate', 'peakdrill_drift_rate', 'Share of SKUs whose stock and ledger disagree (0..1)'],
  ['lost-acks', 'lostAcks', 'peakdrill_lost_acks', 'Acknowledged writes missing from the final state'],
  ['oversell', 'oversoldUnits', 'peakdrill_oversold_units', 'Units sold beyond stock'],
  [
    'split-brain',
    'writesBetweenOtherWriters',
    'peakdrill_split_brain_writes',
    'Writes taken by a second writer',
  ],
  ['idempotency', 'duplicateApplies', 'peakdrill_duplicate_applies', 'Effects applied more than once'],
  [
    'stock-confirmation',
    'unconfirmedStockRate',
    'peakdrill_unconfirmed_stock_ratio',
    'Share of orders taken with stock not confirmed (backordered), 0..1',
  ],
];

export interface RunMetricsOptions {
  readonly scenario: string;
  readonly target: string;
  /** Answers that are the business saying no: outcome `rejected`, not `fail`. */
  readonly businessCodes: Iterable<string>;
  /** Consecutive ok checkout-probe samples that count as recovered (the scenario's; default 5). */
  readonly recoveredAfter?: number;
}

export class RunMetrics {
  readonly registry = new Registry();
  private readonly businessCodes: ReadonlySet<string>;
  private readonly ops: Counter<'kind' | 'outcome'>;
  private readonly latency: Histogram<'kind'>;
  private readonly lateness: Histogram;
  private readonly dropped: Counter<'kind'>;
  private readonly faultActive: Gauge<'fault' | 'kind'>;
  private readonly probeUp: Gauge<'probe' | 'site'>;
  private readonly cdcLagBytes: Gauge;
  private readonly cdcLagSeconds: Gauge;
  private readonly webhooksQueued: Counter;
  private readonly replayBacklog: Gauge;
  private queued = 0;
  private readonly probeSamples: Counter<'probe' | 'site' | 'outcome'>;
  private readonly recovery: Gauge<'fault'>;
  private readonly phase: Gauge<'phase'>;
  private readonly checkValid: Gauge<'checker'>;
  private readonly verdictGauges = new Map<string, Gauge>();
  private readonly opChildren = new Map<string, ReturnType<Counter<'kind' | 'outcome'>['labels']>>();
  private readonly latencyChildren = new Map<string, ReturnType<Histogram<'kind'>['labels']>>();
  private currentPhase: string | undefined;
  /** The kind of each fault in effect, by name (its stop entry does not repeat it). */
  private readonly openFaults = new Map<string, string>();
  private readonly recoveredAfter: number;
  /** Faults waiting for the checkout probe to come back, with the consecutive ok samples seen. */
  private readonly recovering = new Map<string, { startNs: number; oks: number }>();
  /** The latest checkout-probe answer per site: service is up while any site's is ok. */
  private readonly checkoutUp = new Map<string, boolean>();

  constructor(options: RunMetricsOptions) {
    this.businessCodes = new Set(options.businessCodes);
    this.recoveredAfter = options.recoveredAfter ?? 5;
    const registers = [this.registry];
    this.registry.setDefaultLabels({ scenario: options.scenario, target: options.target });
    this.ops = new Counter({
      name: 'peakdrill_ops_total',
      help: 'Completed ops by kind and outcome (ok, rejected: a business no, fail, info: outcome unknown)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'peakdrill_op_latency_seconds',
      help: 'Op latency from its scheduled time (coordinated omission corrected), by kind',
      labelNames: ['kind'],
      buckets: [...SECONDS_BUCKETS],
      registers,
    });
    this.lateness = new Histogram({
      name: 'peakdrill_schedule_lateness_seconds',
      help: 'How late ops were sent after their scheduled time',
      buckets: [...SECONDS_BUCKETS],
      registers,
    });
    this.dropped = new Counter({
      name: 'peakdrill_dropped_ops_total',
      help: 'Ops the engine could not send at all',
      labelNames: ['kind'],
      registers,
    });
    this.faultActive = new Gauge({
      name: 'peakdrill_fault_active',
      help: 'A fault in effect (1) or healed (0), by scenario name and kind',
      labelNames: ['fault', 'kind'],
      registers,
    });
    this.probeUp = new Gauge({
      name: 'peakdrill_probe_success',
      help: 'The last sample of a probe at a site: 1 ok, 0 failed',
      labelNames: ['probe', 'site'],
      registers,
    });
    this.probeSamples = new Counter({
      name: 'peakdrill_probe_samples_total',
      help: 'Probe samples by probe, site and outcome',
      labelNames: ['probe', 'site', 'outcome'],
      registers,
    });
    this.cdcLagBytes = new Gauge({
      name: 'peakdrill_cdc_lag_bytes',
      help: "A migration's change data capture: bytes of blue's WAL green has not confirmed",
      registers,
    });
    this.cdcLagSeconds = new Gauge({
      name: 'peakdrill_cdc_lag_seconds',
      help: "A migration's change data capture: how long green's replay trails blue (0 when caught up)",
      registers,
    });
    this.webhooksQueued = new Counter({
      name: 'peakdrill_webhooks_queued_total',
      help: 'Marketplace webhooks the target answered as queued (a cutover freeze window)',
      registers,
    });
    this.replayBacklog = new Gauge({
      name: 'peakdrill_webhook_backlog',
      help: 'Webhooks queued and not yet known to be replayed (a migration KPI: at most 1,000)',
      registers,
    });
    this.recovery = new Gauge({
      name: 'peakdrill_recovery_seconds',
      help: 'Per fault: seconds from its start until the checkout probe held again; grows while it does not',
      labelNames: ['fault'],
      registers,
    });
    this.phase = new Gauge({
      name: 'peakdrill_run_phase',
      help: 'The phase the run is in (1), by phase name',
      labelNames: ['phase'],
      registers,
    });
    this.checkValid = new Gauge({
      name: 'peakdrill_check_valid',
      help: "A checker's answer once the run is judged: 1 true, 0 false, -1 unknown",
      labelNames: ['checker'],
      registers,
    });
    for (const [, , name, help] of VERDICT_GAUGES) {
      this.verdictGauges.set(name, new Gauge({ name, help, registers }));
    }
  }

  setPhase(phase: string): void {
    if (this.currentPhase !== undefined) this.phase.set({ phase: this.currentPhase }, 0);
    this.currentPhase = phase;
    this.phase.set({ phase }, 1);
  }

  /** Called with every history entry, in the order the history gets them. */
  observe(entry: HistoryEntry): void {
    // The fleet's own pacing waits are history lines, not ops anyone sent.
    if ('f' in entry && entry.f === FLEET_WAIT_F) return;
    switch (entry.type) {
      case 'invoke':
        this.lateness.observe(Math.max(0, entry.latenessMs) / 1_000);
        return;
      case 'ok':
      case 'fail':
      case 'info':
        this.completed(entry);
        return;
      case 'drop':
        this.dropped.inc({ kind: entry.f });
        return;
      case 'fault':
        this.observeFault(entry);
        return;
      case 'probe':
        this.observeProbe(entry);
        return;
      default:
        return;
    }
  }

  /** The hot path: label children are looked up once per kind and outcome, not hashed per op. */
  private completed(entry: Extract<HistoryEntry, { type: 'ok' | 'fail' | 'info' }>): void {
    const outcome = this.outcome(entry);
    const key = `${entry.f}\u0000${outcome}`;
    let counter = this.opChildren.get(key);
    if (counter === undefined) {
      counter = this.ops.labels({ kind: entry.f, outcome });
      this.opChildren.set(key, counter);
    }
    counter.inc();
    if (
      entry.type === 'ok' &&
      entry.f === OP.webhook &&
      (entry.value as { outcome?: unknown })?.outcome === 'queued'
    ) {
      this.webhooksQueued.inc();
      this.replayBacklog.set(++this.queued);
    }
    if (entry.latencyMs === undefined) return;
    let histogram = this.latencyChildren.get(entry.f);
    if (histogram === undefined) {
      histogram = this.latency.labels({ kind: entry.f });
      this.latencyChildren.set(entry.f, histogram);
    }
    histogram.observe(entry.latencyMs / 1_000);
  }

  private outcome(entry: Extract<HistoryEntry, { type: 'ok' | 'fail' | 'info' }>): string {
    if (entry.type !== 'fail') return entry.type;
    return this.businessCodes.has(entry.error?.code ?? '') ? 'rejected' : 'fail';
  }

  private observeFault(entry: Extract<HistoryEntry, { type: 'fault' }>): void {
    if (entry.phase === 'start') {
      const kind = String((entry.params as { kind?: unknown } | undefined)?.kind ?? 'unknown');
      this.openFaults.set(entry.fault, kind);
      this.faultActive.set({ fault: entry.fault, kind }, 1);
      this.recovering.set(entry.fault, { startNs: entry.atNs, oks: 0 });
      this.recovery.set({ fault: entry.fault }, 0);
      return;
    }
    if (entry.phase !== 'stop') return;
    const replayed = entry.outcome?.webhooksReplayed;
    if (replayed !== undefined) {
      this.queued = Math.max(0, this.queued - replayed);
      this.replayBacklog.set(this.queued);
    }
    const kind = this.openFaults.get(entry.fault) ?? 'unknown';
    this.openFaults.delete(entry.fault);
    this.faultActive.set({ fault: entry.fault, kind }, 0);
  }

  private observeProbe(entry: Extract<HistoryEntry, { type: 'probe' }>): void {
    const site = entry.region ?? 'any';
    this.probeUp.set({ probe: entry.probe, site }, entry.ok ? 1 : 0);
    this.probeSamples.inc({ probe: entry.probe, site, outcome: entry.ok ? 'ok' : 'fail' });
    if (entry.probe === PROBE.cdcLag) {
      const lag = entry.value as { lagBytes?: unknown; lagMs?: unknown; ended?: unknown } | undefined;
      if (typeof lag?.lagBytes === 'number') this.cdcLagBytes.set(lag.lagBytes);
      if (typeof lag?.lagMs === 'number') this.cdcLagSeconds.set(lag.lagMs / 1_000);
      if (lag?.ended === true) {
        this.cdcLagBytes.set(0);
        this.cdcLagSeconds.set(0);
      }
      return;
    }
    if (!entry.probe.startsWith('checkout')) return;
    this.checkoutUp.set(site, entry.ok);
    const up = [...this.checkoutUp.values()].some(Boolean);
    // Recovery as the RTO checker sees it, roughly and live: time since the fault started,
    // frozen once service (any site's checkout probe ok) held for `recoveredAfter` samples in a row.
    for (const [fault, r] of this.recovering) {
      if (entry.atNs < r.startNs) continue;
      r.oks = up ? r.oks + 1 : 0;
      this.recovery.set({ fault }, (entry.atNs - r.startNs) / 1e9);
      if (r.oks >= this.recoveredAfter) this.recovering.delete(fault);
    }
  }

  /** The judged run: each checker's answer and the figures a game-day screen alerts on. */
  setVerdict(results: readonly CheckResult[]): void {
    for (const r of results) {
      this.checkValid.set({ checker: r.name }, r.valid === true ? 1 : r.valid === false ? 0 : -1);
    }
    for (const [checker, figure, name] of VERDICT_GAUGES) {
      const value = results.find((r) => r.name === checker)?.figures[figure];
      if (value !== undefined) this.verdictGauges.get(name)!.set(value);
    }
  }
}
