// The shipped dashboard and alert rules, checked as files: promtool (Debian's
// prometheus package, installed by `peakdrill setup`) loads the rules, and every
// panel names only metrics peakdrill serves, with its threshold drawn where it has
// one. test/metrics-live.test.ts runs every panel query against a real Prometheus.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPromtool } from '../stack/toolchain/prometheus-tools.ts';
import { RunMetrics } from './run-metrics.ts';

const DIR = join(import.meta.dirname, '..', '..', 'dashboards');

interface Panel {
  title: string;
  targets: { expr: string }[];
  fieldConfig: {
    defaults: { thresholds?: { steps: { value: number | null }[] }; custom: { thresholdsStyle?: unknown } };
  };
  type: string;
}

async function servedNames(): Promise<Set<string>> {
  const text = await new RunMetrics({ scenario: 's', target: 't', businessCodes: [] }).registry.metrics();
  return new Set(
    [...text.matchAll(/^# TYPE (\S+) (\w+)/gm)].flatMap(([, name, type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name!],
    ),
  );
}

describe('dashboards/', () => {
  it('the alert rules load in promtool', async () => {
    const promtool = await findPromtool();
    expect(promtool, 'promtool: run `peakdrill setup`').toBeDefined();
    const out = execFileSync(promtool!.path, ['check', 'rules', join(DIR, 'peakdrill-alerts.yaml')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/SUCCESS: 6 rules found/);
  });

  it('every alert rule reads metrics peakdrill serves', async () => {
    const served = await servedNames();
    const rules = readFileSync(join(DIR, 'peakdrill-alerts.yaml'), 'utf8');
    const named = [...rules.matchAll(/\b(peakdrill_[a-z_]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThanOrEqual(6);
    for (const name of named) expect(served, name).toContain(name);
  });

  it('every panel queries metrics peakdrill serves, and draws its threshold', async () => {
    const dash = JSON.parse(readFileSync(join(DIR, 'peakdrill-game-day.json'), 'utf8')) as {
      panels: Panel[];
      annotations: { list: { expr: string }[] };
    };
    const served = await servedNames();
    const metricNames = (expr: string) => [...expr.matchAll(/\b(peakdrill_[a-z_]+)/g)].map((m) => m[1]!);
    expect(dash.panels.length).toBeGreaterThanOrEqual(12);
    for (const p of dash.panels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets)
        for (const name of metricNames(t.expr)) expect(served, `${p.title}: ${name}`).toContain(name);
      const steps = p.fieldConfig.defaults.thresholds?.steps ?? [];
      if (steps.length > 1 && p.type === 'timeseries')
        expect(p.fieldConfig.defaults.custom.thresholdsStyle, p.title).toBeDefined();
    }
    expect(metricNames(dash.annotations.list[0]!.expr)).toEqual(['peakdrill_fault_active']);
  });
});
