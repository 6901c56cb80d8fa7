// SLOs: latency (HDR, coordinated-omission corrected, over every completed op)
// and error rate per op function, for the whole run and split by the op's
// scheduled time into before / during / after each fault window and all faults.
// Figures are named as assertions name them: `checkout_latency{during:fault}.p(99)`,
// `checkout_errors{after:lose-region-a}.rate`, `checkout_ops.count`. Figures only.
import type { Histogram } from 'hdr-histogram-js';
import { type Checker, type CheckResult, plural } from './checker.ts';
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
        return {
          name: SLO,
          valid: 'unknown',
          figures: {},
          evidence: [],
          explanation: 'the history holds no ops',
        };
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
      const isExpected = history.errorCodes.map((c) => expected.has(c));
      const slots: (Slot | undefined)[] = new Array(history.fNames.length * T);
      const record = (fi: number, tag: number, latency: number, error: boolean) => {
        const k = fi * T + tag;
        let s = slots[k];
        if (s === undefined) slots[k] = s = { hist: undefined, ops: 0, errors: 0 };
        s.ops++;
        if (error) s.errors++;
        if (Number.isNaN(latency)) return;
        s.hist ??= newLatencyHistogram();
        recordMs(s.hist, latency);
      };

      const { opF, opStatus, scheduledNs, latencyMs, errorCode } = history;
      for (let i = 0; i < history.opCount; i++) {
        const fi = opF[i]!;
        const st = opStatus[i]!;
        const error = st === OP_INFO || st === OP_PENDING || (st === OP_FAIL && !isExpected[errorCode[i]!]);
        const lat = st === OP_OK || st === OP_FAIL || st === OP_INFO ? latencyMs[i]! : Number.NaN;
        const t = scheduledNs[i]!;
        record(fi, 0, lat, error);
        if (names.length === 0) continue;
        let during = false;
        for (let w = 0; w < windows.length; w++) {
          const ws = windows[w]!;
          let inside = false;
          for (const f of ws) if (t >= f.startNs && t < f.stopNs) inside = true;
          if (inside) {
            during = true;
            record(fi, 4 + 3 * w + 1, lat, error);
          } else if (t < ws[0]!.startNs) record(fi, 4 + 3 * w, lat, error);
          else if (t >= ws[ws.length - 1]!.stopNs) record(fi, 4 + 3 * w + 2, lat, error);
        }
        if (during) record(fi, 2, lat, error);
        else if (t < firstStart) record(fi, 1, lat, error);
        else if (t >= lastStop) record(fi, 3, lat, error);
      }

      const figures: Record<string, number> = {};
      let totalOps = 0;
      let totalErrors = 0;
      history.fNames.forEach((f, fi) => {
        const stem = metricStem(f);
        for (let tag = 0; tag < T; tag++) {
          const s = slots[fi * T + tag];
          if (s === undefined) continue;
          const suffix = tags[tag] === '' ? '' : `{${tags[tag]}}`;
          if (tag === 0) {
            totalOps += s.ops;
            totalErrors += s.errors;
          }
          figures[`${stem}_ops${suffix}.count`] = s.ops;
          figures[`${stem}_errors${suffix}.count`] = s.errors;
          figures[`${stem}_errors${suffix}.rate`] = s.errors / s.ops;
          if (s.hist !== undefined) {
            trendFigures(s.hist, `${stem}_latency${suffix}.`, percentiles, figures);
            s.hist.destroy();
          }
        }
        const drops = history.drops.get(f);
        if (drops !== undefined) figures[`${stem}_drops.count`] = drops;
      });
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
