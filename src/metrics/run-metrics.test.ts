import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkoutOk, checkoutValue, HistoryFixture } from '../checkers/testing/history-fixture.ts';
import { MetricsServer, parseMetricsAddress } from './metrics-server.ts';
import { RunMetrics } from './run-metrics.ts';

function fed(): RunMetrics {
  const m = new RunMetrics({
    scenario: 'flash-sale',
    target: 'reference-store',
    businessCodes: ['out-of-stock'],
  });
  const h = new HistoryFixture();
  const line = [{ sku: 'SKU-1', qty: 1 }];
  h.op('checkout', checkoutValue('k1', line), { at: 0, took: 20, ok: checkoutOk('o1') });
  h.op('checkout', checkoutValue('k2', line), {
    at: 1,
    took: 5,
    fail: { error: 'out-of-stock' },
    code: 'out-of-stock',
  });
  h.op('checkout', checkoutValue('k3', line), { at: 2, took: 3_000, info: true, code: 'timeout' });
  h.fault('lose-region-a', 10, 500, 'region-loss');
  h.probe('checkout-probe', 'a', false, 20).probe('checkout-probe', 'b', true, 30);
  for (const e of h.list()) m.observe(e);
  return m;
}

describe('run metrics', () => {
  it('counts ops by kind and outcome, a business no apart from a failure', async () => {
    const text = await fed().registry.metrics();
    expect(text).toMatch(
      /peakdrill_ops_total\{kind="checkout",outcome="ok",scenario="flash-sale",target="reference-store"\} 1/,
    );
    expect(text).toMatch(/peakdrill_ops_total\{kind="checkout",outcome="rejected"[^}]*\} 1/);
    expect(text).toMatch(/peakdrill_ops_total\{kind="checkout",outcome="info"[^}]*\} 1/);
    expect(text).toMatch(/peakdrill_op_latency_seconds_count\{[^}]*kind="checkout"\} 3/);
  });

  it('shows a fault while it is in effect and the last probe answer per site', async () => {
    const m = fed();
    const text = await m.registry.metrics();
    // The fixture's fault both started and stopped: 0 now, and the series exists for the band.
    expect(text).toMatch(/peakdrill_fault_active\{fault="lose-region-a",kind="region-loss"[^}]*\} 0/);
    expect(text).toMatch(/peakdrill_probe_success\{probe="checkout-probe",site="a"[^}]*\} 0/);
    expect(text).toMatch(/peakdrill_probe_success\{probe="checkout-probe",site="b"[^}]*\} 1/);
    expect(text).not.toMatch(/sku=|op=|key=/);
  });

  it('follows a migration: CDC lag from its probe, and the webhooks queued until a cutover replays them', async () => {
    const m = new RunMetrics({ scenario: 'migration-cutover', target: 'reference-store', businessCodes: [] });
    const h = new HistoryFixture();
    h.probe('cdc-lag', undefined, true, 5, { lagBytes: 4_096, lagMs: 12 });
    for (let i = 0; i < 3; i++)
      h.op(
        'webhook',
        { eventId: `e${i}`, sku: 'A', sequence: i + 1 },
        { at: 10 + i, ok: { outcome: 'queued' } },
      );
    for (const e of h.list()) m.observe(e);
    let text = await m.registry.metrics();
    expect(text).toMatch(/peakdrill_cdc_lag_bytes\{[^}]*\} 4096/);
    expect(text).toMatch(/peakdrill_cdc_lag_seconds\{[^}]*\} 0.012/);
    expect(text).toMatch(/peakdrill_webhook_backlog\{[^}]*\} 3/);
    m.observe({
      type: 'fault',
      phase: 'stop',
      fault: 'cutover',
      target: 'b',
      atNs: 50e6,
      outcome: { webhooksReplayed: 3 },
    });
    m.observe({
      type: 'probe',
      probe: 'cdc-lag',
      ok: true,
      latencyMs: 1,
      atNs: 60e6,
      value: { ended: true },
    });
    text = await m.registry.metrics();
    expect(text).toMatch(/peakdrill_webhook_backlog\{[^}]*\} 0/);
    expect(text).toMatch(/peakdrill_webhooks_queued_total\{[^}]*\} 3/);
    expect(text).toMatch(/peakdrill_cdc_lag_bytes\{[^}]*\} 0/);
  });

  it('exposes the verdict: checker answers and the figures alerts read', async () => {
    const m = fed();
    m.setVerdict([
      { name: 'drift', valid: false, figures: { driftRate: 0.02 }, evidence: [], explanation: '' },
      { name: 'oversell', valid: true, figures: { oversoldUnits: 0 }, evidence: [], explanation: '' },
      {
        name: 'stock-confirmation',
        valid: true,
        figures: { unconfirmedStockRate: 0.004 },
        evidence: [],
        explanation: '',
      },
    ]);
    m.setPhase('checking');
    m.setPhase('done');
    const text = await m.registry.metrics();
    expect(text).toMatch(/peakdrill_drift_rate\{[^}]*\} 0.02/);
    expect(text).toMatch(/peakdrill_unconfirmed_stock_ratio\{[^}]*\} 0.004/);
    expect(text).toMatch(/peakdrill_check_valid\{checker="drift"[^}]*\} 0/);
    expect(text).toMatch(/peakdrill_run_phase\{phase="checking"[^}]*\} 0/);
    expect(text).toMatch(/peakdrill_run_phase\{phase="done"[^}]*\} 1/);
  });
});

describe('metrics endpoint', () => {
  it('listens on loopback unless told otherwise, and names the problem', () => {
    expect(parseMetricsAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseMetricsAddress(':9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(() => parseMetricsAddress('0.0.0.0:9464')).toThrow(/not a loopback address/);
    expect(parseMetricsAddress('0.0.0.0:9464', { allowRemote: true }).host).toBe('0.0.0.0');
    expect(() => parseMetricsAddress('nine')).toThrow(/not host:port/);
  });

  it('closes at once with a scraper still connected', async () => {
    const server = await MetricsServer.start(fed(), { host: '127.0.0.1', port: 0 });
    const body = await new Promise<string>((resolve, reject) => {
      // A keep-alive connection left open, as a Prometheus holds one between scrapes.
      const req = request(server.url, { agent: new Agent({ keepAlive: true }) }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toContain('peakdrill_ops_total');
    const t = performance.now();
    await server.close();
    expect(performance.now() - t).toBeLessThan(1_000);
  });
});
