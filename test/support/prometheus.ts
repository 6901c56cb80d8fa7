// A real Prometheus (Debian's package, installed by `peakdrill setup`) on a
// loopback port of its own, scraping one target every second (or none) and
// evaluating the shipped alert rules every second, with its data in a temp
// directory; optionally a remote-write receiver at /api/v1/write. Stopped (and
// its directory removed) by `stop`.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortAllocator } from '../../src/stack/free-port.ts';
import { findPrometheus } from '../../src/stack/toolchain/prometheus-tools.ts';
import { until } from './until.ts';

export const ALERT_RULES = join(import.meta.dirname, '..', '..', 'dashboards', 'peakdrill-alerts.yaml');

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export class TestPrometheus {
  private readonly child: ChildProcess;
  private readonly dir: string;
  readonly url: string;

  private constructor(child: ChildProcess, dir: string, url: string) {
    this.child = child;
    this.dir = dir;
    this.url = url;
  }

  static async start(
    scrapeTarget: string | undefined,
    options: { remoteWriteReceiver?: boolean } = {},
  ): Promise<TestPrometheus> {
    const binary = await findPrometheus();
    if (!binary)
      throw new Error('prometheus is not installed: run `peakdrill setup` (apt-get install prometheus)');
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-test-prometheus-'));
    const port = await new PortAllocator().free();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${ALERT_RULES}`,
        ...(scrapeTarget === undefined
          ? []
          : [
              'scrape_configs:',
              '  - job_name: peakdrill',
              '    static_configs:',
              `      - targets: ['${scrapeTarget}']`,
            ]),
        '',
      ].join('\n'),
    );
    const child = spawn(
      binary.path,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...(options.remoteWriteReceiver ? ['--web.enable-remote-write-receiver'] : []),
      ],
      { stdio: 'ignore' },
    );
    const prom = new TestPrometheus(child, dir, `http://127.0.0.1:${port}`);
    await until(
      async () => ((await fetch(`${prom.url}/-/ready`).catch(() => undefined))?.ok ? true : undefined),
      30_000,
      'prometheus to be ready',
    );
    return prom;
  }

  /** An instant query (at `time`, unix seconds, or now); the result vector. */
  async query(expr: string, time?: number): Promise<PromSample[]> {
    const params = new URLSearchParams({
      query: expr,
      ...(time === undefined ? {} : { time: String(time) }),
    });
    const res = await fetch(`${this.url}/api/v1/query?${params}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`prometheus refused ${expr}: ${body.error}`);
    return body.data!.result;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
