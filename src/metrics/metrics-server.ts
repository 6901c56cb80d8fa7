// The Prometheus endpoint of one run: GET /metrics on a loopback address by
// default. Closing never waits for a scraper: open connections are cut, so an
// interrupted run stops as fast with a Prometheus attached as without.
import { createServer, type Server } from 'node:http';
import { isLoopback } from '../faults/fault-targets.ts';
import { PeakdrillError } from '../model/errors.ts';
import type { RunMetrics } from './run-metrics.ts';

export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';

export interface MetricsAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `127.0.0.1:9464`, `:9464` (loopback) or `9464`. Another interface only when asked
 * for by name with `allowRemote`: a game-day endpoint is not published by accident.
 */
export function parseMetricsAddress(text: string, options: { allowRemote?: boolean } = {}): MetricsAddress {
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[\w.-]+)?:)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65_535)) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `metrics address "${text}" is not host:port or a port`, {
      hint: `e.g. --metrics ${DEFAULT_METRICS_ADDRESS}`,
    });
  }
  const host = (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  if (!isLoopback(host) && !options.allowRemote) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `metrics address ${text} is not a loopback address; peakdrill serves metrics on 127.0.0.1 unless told otherwise`,
      { hint: 'use 127.0.0.1:<port>, or add --metrics-allow-remote to listen on another interface' },
    );
  }
  return { host, port };
}

export class MetricsServer {
  private readonly server: Server;
  readonly metrics: RunMetrics;
  private address_: MetricsAddress | undefined;

  private constructor(metrics: RunMetrics) {
    this.metrics = metrics;
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('peakdrill serves GET /metrics\n');
        return;
      }
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
      );
    });
    // A scraper's keep-alive connection must not hold the process open.
    this.server.unref();
  }

  static async start(metrics: RunMetrics, at: MetricsAddress): Promise<MetricsServer> {
    const s = new MetricsServer(metrics);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new PeakdrillError(
            'PEAKDRILL_ERR_USAGE',
            `cannot serve metrics on ${at.host}:${at.port}: ${error.code ?? error.message}`,
            { hint: 'pick a free port with --metrics 127.0.0.1:<port>, or 127.0.0.1:0 for any' },
          ),
        ),
      );
      s.server.listen(at.port, at.host, resolve);
    });
    const bound = s.server.address();
    s.address_ = { host: at.host, port: typeof bound === 'object' && bound ? bound.port : at.port };
    return s;
  }

  get address(): MetricsAddress {
    return this.address_!;
  }

  get url(): string {
    const host = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host;
    return `http://${host}:${this.address.port}/metrics`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
