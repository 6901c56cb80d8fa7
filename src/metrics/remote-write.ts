// Pushes a run's metrics to a Prometheus remote-write URL, for runs nobody can
// scrape (a CI runner or a laptop behind NAT, Grafana Cloud, Mimir). Same
// registry the endpoint serves, so pushed and scraped figures are one and the
// same. A push that fails is counted and reported once; it never slows or stops
// the run. Credentials come from the environment only, never from the URL, and
// never reach a log line.

import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';
import { pushTimeseries } from 'prometheus-remote-write';
import { PeakdrillError } from '../model/errors.ts';

export interface RemoteWriteTarget {
  readonly url: string;
  readonly everyMs: number;
  /** Authorization header value, from PEAKDRILL_REMOTE_WRITE_TOKEN or _USER/_PASSWORD. */
  readonly authorization?: string;
}

export interface Series {
  readonly labels: { readonly __name__: string; readonly [label: string]: string };
  readonly samples: { readonly value: number; readonly timestamp: number }[];
}

/**
 * A remote-write destination from a URL and the environment. A URL carrying
 * user:password is refused: it would end up in shell history, run.json and logs.
 */
export function remoteWriteTarget(url: string, everyMs: number, env: NodeJS.ProcessEnv): RemoteWriteTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `remote-write URL "${url}" is not a URL`, {
      hint: 'e.g. --metrics-remote-write http://127.0.0.1:9090/api/v1/write',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `remote-write URL ${parsed.origin} is not http(s)`, {
      hint: 'Prometheus remote write is an HTTP POST endpoint such as https://host/api/v1/write',
    });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `remote-write URL for ${parsed.host} carries credentials; peakdrill takes secrets from the environment only`,
      {
        hint: 'drop user:password from the URL and set PEAKDRILL_REMOTE_WRITE_TOKEN (bearer) or PEAKDRILL_REMOTE_WRITE_USER and PEAKDRILL_REMOTE_WRITE_PASSWORD',
      },
    );
  }
  const token = env.PEAKDRILL_REMOTE_WRITE_TOKEN;
  const user = env.PEAKDRILL_REMOTE_WRITE_USER;
  const authorization =
    token !== undefined && token !== ''
      ? `Bearer ${token}`
      : user !== undefined && user !== ''
        ? `Basic ${Buffer.from(`${user}:${env.PEAKDRILL_REMOTE_WRITE_PASSWORD ?? ''}`).toString('base64')}`
        : undefined;
  return { url: parsed.href, everyMs, ...(authorization ? { authorization } : {}) };
}

/** Where pushes go, for a log line: no path, no query, no credentials. */
export function describeRemoteWrite(target: RemoteWriteTarget): string {
  return new URL(target.url).origin;
}

function seriesOf(name: string, labels: object, value: number, timestamp: number): Series {
  const text: Record<string, string> = { __name__: name };
  for (const [k, v] of Object.entries(labels)) if (v !== undefined) text[k] = String(v);
  return { labels: text as Series['labels'], samples: [{ value, timestamp }] };
}

/**
 * The registry's current values as remote-write series, one sample each at `timestamp`:
 * counters and gauges as they are, histograms as their `_bucket{le}`, `_sum` and `_count`
 * series (the names a scrape of the same registry gives). Pure.
 */
export function toSeries(
  metrics: readonly MetricObjectWithValues<MetricValue<string>>[],
  timestamp: number,
): Series[] {
  const out: Series[] = [];
  for (const metric of metrics) {
    for (const v of metric.values as (MetricValue<string> & Partial<MetricValueWithName<string>>)[]) {
      out.push(seriesOf(v.metricName ?? metric.name, v.labels, v.value, timestamp));
    }
  }
  return out;
}

export class RemoteWritePusher {
  private readonly registry: Registry;
  private readonly target: RemoteWriteTarget;
  private readonly warn: (line: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  pushed = 0;
  failed = 0;

  constructor(registry: Registry, target: RemoteWriteTarget, warn: (line: string) => void) {
    this.registry = registry;
    this.target = target;
    this.warn = warn;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.pushOnce(), this.target.everyMs);
    this.timer.unref();
  }

  /** Stops the timer and sends the final figures (the verdict's), waiting at most `timeoutMs`. */
  async stop(timeoutMs = 5_000): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    await Promise.race([this.pushOnce(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  /** One push; at most one at a time (a slow receiver skips ticks rather than piling them up). */
  pushOnce(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.push().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async push(): Promise<void> {
    try {
      const series = toSeries(await this.registry.getMetricsAsJSON(), Date.now());
      const result = await pushTimeseries(series as never, {
        url: this.target.url,
        fetch: fetch as never,
        timeout: 5_000,
        headers: {
          'X-Prometheus-Remote-Write-Version': '0.1.0',
          'User-Agent': 'peakdrill',
          ...(this.target.authorization ? { Authorization: this.target.authorization } : {}),
        },
        console: { info() {}, warn() {} } as unknown as Console,
      });
      if (result.status >= 200 && result.status < 300) {
        this.pushed++;
        return;
      }
      this.fail(`HTTP ${result.status} ${(result.errorMessage ?? result.statusText).slice(0, 200).trim()}`);
    } catch (error) {
      this.fail((error as Error).message);
    }
  }

  private fail(why: string): void {
    this.failed++;
    if (this.failed === 1) {
      this.warn(
        `metrics: remote write to ${describeRemoteWrite(this.target)} failed (${why}); the run goes on, later failures are only counted`,
      );
    }
  }
}
