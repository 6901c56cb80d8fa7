// `--metrics` (or a scenario's `metrics` block): a live Prometheus endpoint for
// one run, opened before the stack starts and kept up `linger` after the verdict
// so the last scrape reads it; a signal cuts the linger short.
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricsServer, parseMetricsAddress } from '../metrics/metrics-server.ts';
import { RunMetrics } from '../metrics/run-metrics.ts';
import { parseDurationMs } from '../model/duration.ts';
import type { Scenario } from '../model/scenario-schema.ts';
import type { TargetModule } from '../targets/target.ts';

export interface MetricsArgs {
  /** undefined: off (unless the scenario asks); '' (flag given bare): the default address. */
  readonly metrics?: string | undefined;
  readonly metricsLinger?: string | undefined;
  readonly metricsAllowRemote?: boolean | undefined;
}

export interface MetricsEndpoint {
  readonly metrics: RunMetrics;
  readonly url: string;
  /** Lingers (unless `signal` fires), then closes without waiting for scrapers. */
  finish(signal: AbortSignal): Promise<void>;
}

export async function openMetricsEndpoint(
  args: MetricsArgs,
  scenario: Scenario,
  target: TargetModule,
): Promise<MetricsEndpoint | undefined> {
  if (args.metrics === undefined && scenario.metrics === undefined) return undefined;
  const address = parseMetricsAddress(args.metrics || scenario.metrics?.listen || '127.0.0.1:9464', {
    allowRemote: args.metricsAllowRemote === true,
  });
  const lingerMs =
    args.metricsLinger !== undefined
      ? parseDurationMs(args.metricsLinger)
      : (scenario.metrics?.linger ?? 15_000);
  const metrics = new RunMetrics({
    scenario: scenario.name,
    target: target.name,
    businessCodes: target.businessRejections,
    recoveredAfter: scenario.probes.recoveredAfter,
  });
  const server = await MetricsServer.start(metrics, address);
  let finishing: Promise<void> | undefined;
  return {
    metrics,
    url: server.url,
    finish(signal) {
      finishing ??= (async () => {
        if (lingerMs > 0 && !signal.aborted) await sleep(lingerMs, undefined, { signal }).catch(() => {});
        await server.close();
      })();
      return finishing;
    },
  };
}
