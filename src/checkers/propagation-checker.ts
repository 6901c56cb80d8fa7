// Propagation: how long a write in one region takes to become visible in the
// other, from the propagation probe's samples (visible − written), as HDR
// percentiles. Figures only — thresholds belong to assertions; samples that
// never became visible are counted apart (notVisible). Not applicable without
// samples; unknown when no sample could be measured.
import { PROBE } from '../model/op-values.ts';
import { type Checker, type CheckResult, notApplicable, plural } from './checker.ts';
import { DEFAULT_PERCENTILES, newLatencyHistogram, recordMs, trendFigures } from './trend-figures.ts';

export const PROPAGATION = 'propagation';

export interface PropagationOptions {
  readonly probe?: string;
  readonly percentiles?: readonly number[];
}

export function propagationChecker(opts: PropagationOptions = {}): Checker {
  const probeName = opts.probe ?? PROBE.propagation;
  const percentiles = opts.percentiles ?? DEFAULT_PERCENTILES;
  return {
    name: PROPAGATION,
    check(history): CheckResult {
      const s = history.probes.get(probeName);
      if (s === undefined || s.count === 0 || s.writtenNs === undefined || s.visibleNs === undefined) {
        return notApplicable(PROPAGATION, `no ${probeName} samples in the history`, { samples: 0 });
      }
      const h = newLatencyHistogram();
      let notVisible = 0;
      let unreadable = 0;
      for (let i = 0; i < s.count; i++) {
        const w = s.writtenNs[i]!;
        const v = s.visibleNs[i]!;
        if (Number.isNaN(w)) unreadable++;
        else if (Number.isNaN(v) || s.ok[i] === 0) notVisible++;
        else recordMs(h, (v - w) / 1e6);
      }
      const figures: Record<string, number> = { samples: s.count, notVisible, unreadable };
      trendFigures(h, '', percentiles, figures);
      h.destroy();
      return {
        name: PROPAGATION,
        // No sample became visible: nothing was measured.
        valid: figures.count === 0 ? 'unknown' : true,
        figures,
        evidence: [],
        explanation:
          figures.count === 0
            ? `none of ${plural(s.count, 'propagation sample')} became visible`
            : `cross-region visibility p(99) ${figures['p(99)'] ?? figures.max} ms over ${plural(figures.count!, 'sample')}${notVisible > 0 ? `, ${notVisible} never seen` : ''}`,
      };
    },
  };
}
