// SLOs: latency (HDR, coordinated-omission corrected, over every completed op)
// and error rate per op function, for the whole run and split by the op's
// scheduled time into before / during / after each fault window and all faults.
// Figures are named as assertions name them: `checkout_latency{during:fault}.p(99)`,
// `checkout_errors{after:lose-region-a}.rate`, `checkout_ops.count`. Figures only.
import type { Histogram } from 'hdr-histogram-js';
import { type Checker, type CheckResult, notApplicable, plural } from './checker.ts';
import { OP_FAIL, OP_INFO, OP_OK, OP_PENDING } from './history-index.ts';
import { DEFAULT_PERCENTILES, newLatencyHistogram, recordMs, trendFigures } from './trend-figures.ts';

export const SLO = 'slo';

export interface SloOptions {
  /** Percentiles to report besides the defaults (50, 90, 95, 99, 99.9), e.g. from assertions. */
  readonly percentiles?: readonly number[];
  /** `fail` codes that are business answers (out-of-stock), not errors. */
  readonly expectedErrorCodes?: readonly string[];
}

/** `offline-sync` → `offline_sync`: the metric stem of an op function. */
export function metricStem(f: string): string {
  return f.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

interface Slot {
  hist: Histogram | undefined;
  ops: number;
  errors: number;
}

export function sloChecker(opts: SloOptions = {}): Checker {
  const percentiles = [...new Set([...DEFAULT_PERCENTILES, ...(opts.percentiles ?? [])])].sort(
    (a, b) => a - b,
  );
  const expected = new Set(opts.expectedErrorCodes ?? []);
  return {
    name: SLO,
    check(history): CheckResult {
      if (history.opCount === 0) {
        return notApplicable(SLO, 'the history holds no ops');
      }
      // Tags: 0 = whole run, 1..3 = before/during/after any fault, then three per fault name.
      const names = [...new Set(history.faults.map((f) => f.name))];
      const windows = names.map((n) => history.faults.filter((f) => f.name === n));
      const tags = ['', 'before:fault', 'during:fault', 'after:fault'];
      for (const n of names) tags.push(`before:${n}`, `during:${n}`, `after:${n}`);
      const T = tags.length;
      const firstStart =
        history.faults.length === 0
          ? Number.POSITIVE_INFINITY
          : Math.min(...history.faults.map((f) => f.startNs));
      const lastStop =
        history.faults.length === 0
          ? Number.POSITIVE_INFINITY
          : Math.max(...history.faults.map((f) => f.stopNs));
      /** The tags of an op scheduled at `t`. */
      const tagsAt = (t: number): number[] => {
        const out = [0];
        if (names.length === 0) return out;
        let during = false;
        for (let w = 0; w < windows.length; w++) {
          const ws = windows[w]!;
          let inside = false;
          for (const f of ws) if (t >= f.startNs && t < f.stopNs) inside = true;
          if (inside) {
            during = true;
            out.push(4 + 3 * w + 1);
          } else if (t < ws[0]!.startNs) out.push(4 + 3 * w);
          else if (t >= ws[ws.length - 1]!.stopNs) out.push(4 + 3 * w + 2);
        }
        if (during) out.push(2);
        else if (t < firstStart) out.push(1);
        else if (t >= lastStop) out.push(3);
        return out;
      };
      // Fault starts and stops cut the timeline into segments whose ops all carry the same tags:
      // each op is recorded once, in its segment, and a tag's figures are its segments' sum
      // (one histogram record per op instead of one per tag).
      const bounds = [...new Set(history.faults.flatMap((f) => [f.startNs, f.stopNs]))].sort((a, b) => a - b);
      const S = bounds.length + 1;
      const segmentTags = Array.from({ length: S }, (_, k) =>
        tagsAt(k === 0 ? Number.NEGATIVE_INFINITY : bounds[k - 1]!),
      );
      const isExpected = history.errorCodes.map((c) => expected.has(c));
      const { opF, opStatus, scheduledNs, latencyMs, errorCode } = history;
      // One size for every histogram (the largest latency fits from the start): adding them is then exact.
      let maxMs = 0;
      for (let i = 0; i < history.opCount; i++) if (latencyMs[i]! > maxMs) maxMs = latencyMs[i]!;
      const newHistogram = () => newLatencyHistogram(maxMs);
      const segments: (Slot | undefined)[] = new Array(history.fNames.length * S);
      for (let i = 0; i < history.opCount; i++) {
        const fi = opF[i]!;
        const st = opStatus[i]!;
        const error = st === OP_INFO || st === OP_PENDING || (st === OP_FAIL && !isExpected[errorCode[i]!]);
        const lat = st === OP_OK || st === OP_FAIL || st === OP_INFO ? latencyMs[i]! : Number.NaN;
        const t = scheduledNs[i]!;
        let k = 0;
        while (k < bounds.length && t >= bounds[k]!) k++;
        const at = fi * S + k;
        let slot = segments[at];
        if (slot === undefined) segments[at] = slot = { hist: undefined, ops: 0, errors: 0 };
        slot.ops++;
        if (error) slot.errors++;
        if (Number.isNaN(lat)) continue;
        slot.hist ??= newHistogram();
        recordMs(slot.hist, lat);
      }

      const figures: Record<string, number> = {};
      let totalOps = 0;
      let totalErrors = 0;
      history.fNames.forEach((f, fi) => {
        const stem = metricStem(f);
        for (let tag = 0; tag < T; tag++) {
          let ops = 0;
          let errors = 0;
          let hist: Histogram | undefined;
          let owned = false;
          for (let k = 0; k < S; k++) {
            const slot = segments[fi * S + k];
            if (slot === undefined || !segmentTags[k]!.includes(tag)) continue;
            ops += slot.ops;
            errors += slot.errors;
            if (slot.hist === undefined) continue;
            if (hist === undefined) hist = slot.hist;
            else {
              if (!owned) {
                const sum = newHistogram();
                sum.add(hist);
                hist = sum;
                owned = true;
              }
              hist.add(slot.hist);
            }
          }
          if (ops === 0) continue;
          const suffix = tags[tag] === '' ? '' : `{${tags[tag]}}`;
          if (tag === 0) {
            totalOps += ops;
            totalErrors += errors;
          }
          figures[`${stem}_ops${suffix}.count`] = ops;
          figures[`${stem}_errors${suffix}.count`] = errors;
          figures[`${stem}_errors${suffix}.rate`] = errors / ops;
          if (hist !== undefined) {
            trendFigures(hist, `${stem}_latency${suffix}.`, percentiles, figures);
            if (owned) hist.destroy();
          }
        }
        const drops = history.drops.get(f);
        if (drops !== undefined) figures[`${stem}_drops.count`] = drops;
      });
      for (const slot of segments) slot?.hist?.destroy();
      const p99 = figures['checkout_latency.p(99)'];
      return {
        name: SLO,
        valid: true,
        figures,
        evidence: [],
        explanation: `${plural(totalOps, 'op')}, error rate ${((100 * totalErrors) / totalOps).toFixed(2)}%${p99 === undefined ? '' : `, checkout p(99) ${p99} ms`}`,
      };
    },
  };
}
