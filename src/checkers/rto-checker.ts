// RTO from the checkout probe, per fault window. Service is up while some
// region's latest sample is ok. Detection = fault start → the first failed sample
// of a region serving at the start. RTO = fault start → the first sample of the
// first run of N consecutive ok samples of one region after service went down
// (0 when it never went down). Failback, on its own: a drop in service after the
// heal (before the next fault) → sustained recovery, from the sample that took it down.
import { PROBE } from '../model/op-values.ts';
import {
  atMs,
  type Checker,
  type CheckResult,
  EvidenceList,
  notApplicable,
  plural,
  type Validity,
} from './checker.ts';
import type { FaultWindow, ProbeSeries } from './history-index.ts';

export const RTO = 'rto';

export interface RtoOptions {
  readonly probe?: string;
  /** Consecutive ok samples of one region that count as recovered. */
  readonly recoveredAfter?: number;
  /** The recovery objective; longer is a violation. */
  readonly objectiveMs?: number;
  /** For the disruption after a heal; defaults to objectiveMs. */
  readonly failbackObjectiveMs?: number;
  /** Only samples of this region count (default: any region serving is service). */
  readonly region?: string;
}

interface Recovery {
  /** When the outage was first seen (NaN: none). */
  readonly failedNs: number;
  /** First sample of the sustained run (NaN: not recovered). */
  readonly recoveredNs: number;
}

export function rtoChecker(opts: RtoOptions = {}): Checker {
  const probeName = opts.probe ?? PROBE.checkout;
  const n = opts.recoveredAfter ?? 5;
  const objectiveMs = opts.objectiveMs ?? 60_000;
  const failbackObjectiveMs = opts.failbackObjectiveMs ?? objectiveMs;
  return {
    name: RTO,
    check(history, _state, options): CheckResult {
      const faults = history.faults;
      if (faults.length === 0) {
        return notApplicable(RTO, 'no fault was injected, so there was nothing to recover from', {
          faults: 0,
        });
      }
      const series = history.probes.get(probeName);
      if (series === undefined || series.count === 0) {
        return {
          name: RTO,
          valid: 'unknown',
          figures: { faults: faults.length, samples: 0 },
          evidence: [],
          explanation: `no ${probeName} samples in the history, so recovery cannot be timed`,
        };
      }
      const samples = orderedSamples(series, opts.region);
      const evidence = new EvidenceList(options.maxEvidence);
      const figures: Record<string, number> = { faults: faults.length, samples: samples.length };
      let rto = 0;
      let detection = Number.NaN;
      let failback = 0;
      let unrecovered = 0;
      const verdicts: Validity[] = [];
      let unobserved = 0;
      faults.forEach((w, wi) => {
        const horizon = Math.min(faults[wi + 1]?.startNs ?? Number.POSITIVE_INFINITY, history.lastNs);
        // No sample from the fault's start to the next fault (or the end): service was not watched.
        if (!sampledBetween(series, samples, w.startNs, Math.max(horizon, w.stopNs))) {
          unobserved++;
          verdicts.push('unknown');
          evidence.add({
            what: 'no probe sample during or after the fault',
            key: w.name,
            atMs: atMs(w.startNs),
          });
          return;
        }
        const detected = firstFailure(series, samples, w.startNs, w.stopNs);
        if (!Number.isNaN(detected)) {
          const det = atMs(detected - w.startNs);
          figures[`detectionMs{${w.name}}`] = det;
          detection = Number.isNaN(detection) ? det : Math.max(detection, det);
        }
        const down = serviceOutage(series, samples, w.startNs, w.stopNs, n, true);
        const r = measure(down, w.startNs, history.lastNs, objectiveMs);
        figures[`rtoMs{${w.name}}`] = r.ms;
        rto = Math.max(rto, r.ms);
        if (!r.recovered) unrecovered++;
        verdicts.push(r.valid);
        if (r.valid !== true) evidence.add(outageEvidence(w, down, r.recovered, 'after the fault started'));

        if (!w.stopped) return;
        const after = serviceOutage(series, samples, w.stopNs, horizon, n, false);
        const fb = measure(after, after.failedNs, horizon, failbackObjectiveMs);
        figures[`failbackMs{${w.name}}`] = fb.ms;
        failback = Math.max(failback, fb.ms);
        if (!fb.recovered) unrecovered++;
        verdicts.push(fb.valid);
        if (fb.valid !== true)
          evidence.add(outageEvidence(w, after, fb.recovered, 'after the fault was healed'));
      });
      figures.rtoMs = rto;
      figures.failbackMs = failback;
      if (!Number.isNaN(detection)) figures.detectionMs = detection;
      figures.unrecovered = unrecovered;
      figures.unobserved = unobserved;
      figures.objectiveMs = objectiveMs;
      const valid: Validity = verdicts.includes(false)
        ? false
        : verdicts.includes('unknown')
          ? 'unknown'
          : true;
      return {
        name: RTO,
        valid,
        figures,
        evidence: evidence.items,
        explanation:
          valid === true
            ? `service recovered within ${rto} ms of each of ${plural(faults.length, 'fault')} (objective ${objectiveMs} ms, ${n} ok samples in a row)`
            : valid === false
              ? `recovery took ${rto} ms${unrecovered > 0 ? ` (${plural(unrecovered, 'outage')} never recovered)` : ''}, beyond the ${objectiveMs} ms objective`
              : unobserved > 0
                ? `${plural(unobserved, 'fault')} had no ${probeName} sample from its start on, so recovery cannot be timed`
                : `service had not recovered when the history ended, before the ${objectiveMs} ms objective ran out`,
      };
    },
  };
}

/** Whether any sample (of the regions counted) lies in [from, until]. */
function sampledBetween(s: ProbeSeries, samples: readonly number[], from: number, until: number): boolean {
  for (const i of samples) if (s.atNs[i]! >= from && s.atNs[i]! <= until) return true;
  return false;
}

/** Sample indexes in time order (a merged history is already sorted; sort only if not). */
function orderedSamples(s: ProbeSeries, region: string | undefined): number[] {
  const regionId = region === undefined ? -1 : s.regions.indexOf(region);
  const out: number[] = [];
  for (let i = 0; i < s.count; i++) if (regionId === -1 || s.region[i] === regionId) out.push(i);
  for (let i = 1; i < out.length; i++) {
    if (s.atNs[out[i]!]! < s.atNs[out[i - 1]!]!) {
      out.sort((a, b) => s.atNs[a]! - s.atNs[b]!);
      break;
    }
  }
  return out;
}

/** The first failed sample in [from, until] of a region serving at `from` (any region if none was). */
function firstFailure(s: ProbeSeries, samples: readonly number[], from: number, until: number): number {
  const latest = new Map<number, boolean>();
  let k = 0;
  for (; k < samples.length && s.atNs[samples[k]!]! < from; k++) {
    latest.set(s.region[samples[k]!]!, s.ok[samples[k]!] === 1);
  }
  const serving = new Set([...latest].filter(([, ok]) => ok).map(([r]) => r));
  for (let j = k; j < samples.length && s.atNs[samples[j]!]! <= until; j++) {
    const i = samples[j]!;
    if (s.ok[i] === 0 && (serving.size === 0 || serving.has(s.region[i]!))) return s.atNs[i]!;
  }
  return Number.NaN;
}

/**
 * When service (some region's latest sample ok) went down in [from, until] —
 * at `from` itself if it was already down and `downAtStart` — and the first
 * sample of the first run of `n` ok samples of one region after that.
 */
function serviceOutage(
  s: ProbeSeries,
  samples: readonly number[],
  from: number,
  until: number,
  n: number,
  downAtStart: boolean,
): Recovery {
  const latest = new Map<number, boolean>();
  let okRegions = 0;
  const see = (i: number) => {
    const r = s.region[i]!;
    const ok = s.ok[i] === 1;
    const was = latest.get(r);
    if (was === true) okRegions--;
    if (ok) okRegions++;
    latest.set(r, ok);
  };
  let j = 0;
  for (; j < samples.length && s.atNs[samples[j]!]! < from; j++) see(samples[j]!);
  let down = -1;
  let downNs = Number.NaN;
  if (okRegions === 0 && downAtStart) {
    down = j - 1;
    downNs = from;
  } else {
    let up = okRegions > 0;
    for (; j < samples.length && s.atNs[samples[j]!]! <= until; j++) {
      see(samples[j]!);
      if (up && okRegions === 0) {
        down = j;
        downNs = s.atNs[samples[j]!]!;
        break;
      }
      up = okRegions > 0;
    }
  }
  if (Number.isNaN(downNs)) return { failedNs: Number.NaN, recoveredNs: Number.NaN };
  const run = new Map<number, { count: number; first: number }>();
  for (let k = down + 1; k < samples.length; k++) {
    const i = samples[k]!;
    const r = s.region[i]!;
    if (s.ok[i] !== 1) {
      run.delete(r);
      continue;
    }
    const cur = run.get(r) ?? { count: 0, first: s.atNs[i]! };
    cur.count++;
    run.set(r, cur);
    if (cur.count >= n) return { failedNs: downNs, recoveredNs: cur.first };
  }
  return { failedNs: downNs, recoveredNs: Number.NaN };
}

function measure(
  r: Recovery,
  fromNs: number,
  horizonNs: number,
  objectiveMs: number,
): { ms: number; recovered: boolean; valid: Validity } {
  if (Number.isNaN(r.failedNs)) return { ms: 0, recovered: true, valid: true };
  if (!Number.isNaN(r.recoveredNs)) {
    const ms = atMs(r.recoveredNs - fromNs);
    return { ms, recovered: true, valid: ms <= objectiveMs };
  }
  // Not recovered: the time observed is a lower bound.
  const ms = atMs(Math.max(horizonNs, r.failedNs) - fromNs);
  return { ms, recovered: false, valid: ms > objectiveMs ? false : 'unknown' };
}

function outageEvidence(w: FaultWindow, r: Recovery, recovered: boolean, when: string) {
  return {
    what: recovered ? `slow recovery ${when}` : `no sustained recovery ${when}`,
    key: w.name,
    atMs: atMs(r.failedNs),
    ...(recovered ? { actual: `recovered at ${atMs(r.recoveredNs)} ms` } : {}),
  };
}
