// `--metrics` (or a scenario's `metrics` block): a live Prometheus endpoint for
// one run, opened before the stack starts and kept up `linger` after the verdict
// so the last scrape reads it; a signal cuts the linger short.
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricsServer, parseMetricsAddress } from '../metrics/metrics-server.ts';
import { RemoteWritePusher, type RemoteWriteTarget, remoteWriteTarget } from '../metrics/remote-write.ts';
import { RunMetrics } from '../metrics/run-metrics.ts';
import { parseDurationMs } from '../model/duration.ts';
import type { Scenario } from '../model/scenario-schema.ts';
import type { TargetModule } from '../targets/target.ts';

export interface MetricsArgs {
  /** undefined: off (unless the scenario asks); '' (flag given bare): the default address. */
  readonly metrics?: string | undefined;
  readonly metricsLinger?: string | undefined;
  readonly metricsAllowRemote?: boolean | undefined;
  /** Also push to this Prometheus remote-write URL (credentials from the environment). */
  readonly metricsRemoteWrite?: string | undefined;
}

export interface MetricsEndpoint {
  readonly metrics: RunMetrics;
  readonly url: string;
  /** Where the metrics are also pushed, if anywhere (k6 pushes its own there too). */
  readonly remoteWrite: RemoteWriteTarget | undefined;
  /** Lingers (unless `signal` fires), then closes without waiting for scrapers. */
  finish(signal: AbortSignal): Promise<void>;
}

export async function openMetricsEndpoint(
  args: MetricsArgs,
  scenario: Scenario,
  target: TargetModule,
  io: { readonly env: NodeJS.ProcessEnv; readonly warn: (line: string) => void },
): Promise<MetricsEndpoint | undefined> {
  if (args.metrics === undefined && scenario.metrics === undefined && args.metricsRemoteWrite === undefined)
    return undefined;
  const pushTo = args.metricsRemoteWrite ?? scenario.metrics?.remoteWrite?.url;
  const remoteWrite =
    pushTo === undefined
      ? undefined
      : remoteWriteTarget(pushTo, scenario.metrics?.remoteWrite?.every ?? 5_000, io.env);
  // Only pushing (no --metrics, no scenario block): the endpoint still serves, on a free port,
  // so a busy 9464 never stops a run that nobody scrapes.
  const pushOnly = args.metrics === undefined && scenario.metrics === undefined;
  const address = parseMetricsAddress(
    args.metrics || scenario.metrics?.listen || (pushOnly ? '127.0.0.1:0' : '127.0.0.1:9464'),
    {
      allowRemote: args.metricsAllowRemote === true,
    },
  );
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
  const pusher = remoteWrite ? new RemoteWritePusher(metrics.registry, remoteWrite, io.warn) : undefined;
  pusher?.start();
  let finishing: Promise<void> | undefined;
  return {
    metrics,
    url: server.url,
    remoteWrite,
    finish(signal) {
      finishing ??= (async () => {
        // The verdict's figures go out first, whatever happens to the linger.
        await pusher?.stop();
        if (lingerMs > 0 && !signal.aborted) await sleep(lingerMs, undefined, { signal }).catch(() => {});
        await server.close();
      })();
      return finishing;
    },
  };
}
