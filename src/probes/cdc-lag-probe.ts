// A migration's CDC lag, sampled all the way: how many bytes of the writer's WAL
// the other side has not confirmed and the walsender's replay lag. Forward (blue
// → green) during the parallel run; after the cutover, the fallback (green →
// blue) that keeps a rollback possible. With neither, a sample says so (`ended`)
// and is still ok: CDC ending is the plan, not an outage. One that cannot read fails.
import { PROBE } from '../model/op-values.ts';
import { cdcLag, FALLBACK_CDC, MIGRATION_CDC } from '../stack/migration-cdc.ts';
import type { ProbeSpec } from './probe-runner.ts';

export function cdcLagProbe(options: {
  bluePort: number;
  greenPort: number;
  password: string;
  everyMs: number;
}): ProbeSpec {
  const { bluePort, greenPort, password } = options;
  return {
    name: PROBE.cdcLag,
    everyMs: options.everyMs,
    timeoutMs: Math.max(1_000, options.everyMs * 4),
    async sample() {
      try {
        const forward = await cdcLag(bluePort, password, MIGRATION_CDC);
        if (forward !== undefined) return { ok: true, value: { direction: 'forward', ...forward } };
        const fallback = await cdcLag(greenPort, password, FALLBACK_CDC);
        if (fallback !== undefined) return { ok: true, value: { direction: 'fallback', ...fallback } };
        return { ok: true, value: { ended: true } };
      } catch (error) {
        return { ok: false, value: { error: (error as Error).message } };
      }
    },
  };
}
