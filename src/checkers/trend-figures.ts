// Latency distributions as figures in k6's words: an HDR histogram per series
// (microsecond resolution, 3 significant digits) summarized as `p(99)`, `avg`,
// `min`, `max`, `med`, `count` — the aggregates a threshold like 'p(99)<800' names.
import { build, type Histogram } from 'hdr-histogram-js';

export const DEFAULT_PERCENTILES: readonly number[] = [50, 90, 95, 99, 99.9];

/** `upToMs`: the range to size for at once (it still grows past it); histograms of one size add exactly. */
export function newLatencyHistogram(upToMs = 0): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: Math.max(2, Math.round(upToMs * 1_000)),
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

/** Records milliseconds at microsecond resolution (the histogram holds integers). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.max(0, Math.round(ms * 1_000)));
}

const round3 = (x: number) => Math.round(x * 1_000) / 1_000;

/** Writes `<prefix>p(N)`, avg, min, max, med, count into `out`; only `count` when the histogram is empty. */
export function trendFigures(
  h: Histogram,
  prefix: string,
  percentiles: readonly number[],
  out: Record<string, number>,
): void {
  out[`${prefix}count`] = h.totalCount;
  if (h.totalCount === 0) return;
  for (const p of percentiles) out[`${prefix}p(${p})`] = round3(h.getValueAtPercentile(p) / 1_000);
  out[`${prefix}med`] = round3(h.getValueAtPercentile(50) / 1_000);
  out[`${prefix}avg`] = round3(h.mean / 1_000);
  out[`${prefix}min`] = round3(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue / 1_000);
  out[`${prefix}max`] = round3(h.maxValue / 1_000);
}
