// A migration's CDC lag, sampled all the way through the parallel run: how many
// bytes of blue's WAL green has not confirmed and the walsender's replay lag.
// After the cutover dropped CDC a sample says so (`ended`) and is still ok: CDC
// ending is the plan, not an outage. A sample that cannot read blue fails.
import { PROBE } from '../model/op-values.ts';
import { cdcLag } from '../stack/migration-cdc.ts';
import type { ProbeSpec } from './probe-runner.ts';

export function cdcLagProbe(options: { bluePort: number; password: string; everyMs: number }): ProbeSpec {
  return {
    name: PROBE.cdcLag,
    everyMs: options.everyMs,
    timeoutMs: Math.max(1_000, options.everyMs * 4),
    async sample() {
      try {
        const lag = await cdcLag(options.bluePort, options.password);
        return lag === undefined ? { ok: true, value: { ended: true } } : { ok: true, value: lag };
      } catch (error) {
        return { ok: false, value: { error: (error as Error).message } };
      }
    },
  };
}
