// Live metrics through a real Prometheus: `peakdrill run webhook-storm --defect
// webhook-ledger-skip --metrics …` is scraped every second while it runs. While
// traffic flows, Prometheus answers the ops rate, the p99 latency and the fault's
// series; after the run, the last scraped counters equal the history's counts
// exactly, every dashboard panel's query returns data, and the drift alert (the
// defect drifts stock) fires. One run covers all of it: each stack run costs CI
// about a minute. (A scrape left open across an interrupt is covered beside the
// server: src/metrics/run-metrics.test.ts.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortAllocator } from '../src/stack/free-port.ts';
import { peakdrill } from './support/cli.ts';
import { TestPrometheus } from './support/prometheus.ts';
import { until } from './support/until.ts';

const SECRET = 'metrics-test-secret-Pw9';
const DASHBOARD = join(import.meta.dirname, '..', 'dashboards', 'peakdrill-game-day.json');
const now = () => Date.now() / 1_000;

/** Completions per `kind|outcome` in a history, as the metrics classify them. */
function historyCounts(historyFile: string, businessCodes: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(historyFile, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { type: string; f?: string; error?: { code?: string } };
    if (!['ok', 'fail', 'info'].includes(e.type) || e.f === 'fleet-wait') continue;
    const outcome = e.type === 'fail' && businessCodes.includes(e.error?.code ?? '') ? 'rejected' : e.type;
    const key = `${e.f}|${outcome}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('live metrics scraped by a real Prometheus during a run', () => {
  const out = mkdtempSync(join(tmpdir(), 'peakdrill-metrics-live-'));
  let prom: TestPrometheus;
  let metricsPort: number;
  beforeAll(async () => {
    metricsPort = await new PortAllocator().free();
    prom = await TestPrometheus.start(`127.0.0.1:${metricsPort}`);
  });
  afterAll(async () => {
    await prom?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('serves the run live, ends equal to the history, feeds every panel and fires the drift alert', async () => {
    const run = peakdrill(
      [
        ...['run', 'webhook-storm', '--defect', 'webhook-ledger-skip', '--out', out, '--json'],
        ...['--metrics', `127.0.0.1:${metricsPort}`, '--metrics-linger', '6s'],
      ],
      { PEAKDRILL_PG_PASSWORD: SECRET },
    );
    // While traffic flows: the ops rate, the p99 and the fault's series.
    const rate = await until(
      async () => {
        const r = await prom.query('sum(rate(peakdrill_ops_total[5s]))');
        return Number(r[0]?.value[1] ?? 0) > 0 ? Number(r[0]!.value[1]) : undefined;
      },
      120_000,
      'a positive ops rate in prometheus',
      500,
    );
    expect(rate).toBeGreaterThan(0);
    const p99 = await prom.query(
      'histogram_quantile(0.99, sum by (le) (rate(peakdrill_op_latency_seconds_bucket[10s])))',
    );
    expect(Number(p99[0]?.value[1])).toBeGreaterThan(0);
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(scraped).not.toContain(SECRET);
    const faultSeenAt = await until(
      async () =>
        (await prom.query('peakdrill_fault_active{fault="flaky-edge"} == 1')).length > 0 ? now() : undefined,
      60_000,
      'the flaky-edge fault to show as active',
      500,
    );
    const doneSeenAt = await until(
      async () =>
        (await prom.query('peakdrill_run_phase{phase="done"} == 1')).length > 0 ? now() : undefined,
      180_000,
      'the run to reach its verdict (phase done) in prometheus',
      500,
    );
    const result = await run.done;
    expect(result.code, result.stderr).toBe(1); // the defect is caught: FAIL
    const verdict = JSON.parse(result.stdout) as {
      runId: string;
      checkers: { name: string; figures: Record<string, number> }[];
    };
    const runDir = join(out, verdict.runId);

    // The last scrape equals the history, op kind by op kind and outcome by outcome.
    const runInfo = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as {
      businessRejections: string[];
    };
    const expected = historyCounts(join(runDir, 'history.ndjson'), runInfo.businessRejections);
    const last = await prom.query('last_over_time(peakdrill_ops_total[5m])');
    const got = new Map(last.map((s) => [`${s.metric.kind}|${s.metric.outcome}`, Number(s.value[1])]));
    expect(got).toEqual(expected);

    // Every dashboard query returns data, during the traffic or once judged.
    const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    for (const panel of dash.panels) {
      for (const { expr } of panel.targets) {
        const q = expr.replaceAll('$__rate_interval', '10s');
        const during = await prom.query(q, faultSeenAt);
        const judged = await prom.query(q, doneSeenAt);
        expect(during.length + judged.length, `${panel.title}: ${q}`).toBeGreaterThan(0);
      }
    }

    // The defect drifts stock; the alert rule fires on the judged figure.
    const drift = verdict.checkers.find((c) => c.name === 'drift')!.figures.driftRate!;
    expect(drift).toBeGreaterThan(0.001);
    const alerts = await prom.query(
      'last_over_time(ALERTS{alertname="PeakdrillInventoryDrift", alertstate="firing"}[5m])',
    );
    expect(alerts.length).toBe(1);
  });
});
