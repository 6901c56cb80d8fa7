import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReplayOp } from '../../plan/recording-planner.ts';
import { buildK6Plan } from './k6-plan.ts';
import { arrivalStages, generateK6Script, mapThresholds, vuSizing } from './k6-script.ts';

// tsconfig.k6.json type-checks this file against @types/k6 (`npm run typecheck`, CI): it is what
// the generator writes. PEAKDRILL_UPDATE_FIXTURES=1 rewrites it after a deliberate change.
const SAMPLE = join(import.meta.dirname, '../../../test/fixtures/k6-generated-sample.ts');

const checkout = (atMs: number, process: string, key: string, sku = 'HOT-1'): ReplayOp => ({
  atMs,
  f: 'checkout',
  process,
  source: key,
  value: {
    channel: process.startsWith('pos:') ? 'pos' : 'web',
    store: process.startsWith('pos:') ? 'S001' : 'S000',
    lines: [{ sku, qty: 1 }],
    tenders: [{ type: 'card', amountCents: 500 }],
    idempotencyKey: key,
  },
});

function samplePlanOps(): ReplayOp[] {
  return [
    checkout(0, 'web:shopper-1', 'k-1'),
    checkout(40, 'pos:S001:lane-2', 'k-2', 'P-1'),
    checkout(250, 'web:shopper-2', 'k-3'),
    {
      atMs: 900,
      f: 'return',
      process: 'web:shopper-1',
      source: 'r-1',
      orderKey: 'k-1',
      value: { orderId: 'o-1', store: 'S000', lines: [{ sku: 'HOT-1', qty: 1 }], idempotencyKey: 'r-1' },
    },
    {
      atMs: 1_000,
      f: 'webhook',
      process: 'webhook:mkt-a',
      source: 'w-1',
      value: { eventId: 'e-1', sku: 'M-1', store: 'S000', sequence: 1, kind: 'order.placed', delta: -1 },
    },
  ];
}

describe('the generated k6 script', () => {
  it('is the checked-in sample that tsc checks against k6 types (regenerate it on purpose)', () => {
    const plan = buildK6Plan(samplePlanOps(), { seed: 3, webhook: { duplicateRate: 0, reorderRate: 0 } });
    const { script, config } = generateK6Script(plan, {
      scenario: 'sample',
      assertions: { checkout_latency: 'p(99)<800', 'checkout_errors{during:fault}': 'rate<0.01' },
      baseUrls: ['http://127.0.0.1:8080'],
    });
    if (process.env.PEAKDRILL_UPDATE_FIXTURES === '1') writeFileSync(SAMPLE, script);
    expect(script).toBe(readFileSync(SAMPLE, 'utf8'));
    expect(config.opCount).toBe(plan.ops.length);
    expect(config.returns).toBe(true);
    expect(config.options.thresholds).toEqual({
      'http_req_duration{name:checkout}': ['p(99)<800'],
      dropped_iterations: ['count==0'],
    });
  });

  it('follows the plan per bucket, one bucket ahead, with a tail for iterations k6 runs late', () => {
    const ts = [0, 10, 20, 150, 160, 450];
    expect(arrivalStages(ts, 100, 1_000)).toEqual([
      { target: 0, duration: '900ms' },
      { target: 3, duration: '0s' },
      { target: 3, duration: '100ms' },
      { target: 2, duration: '0s' },
      { target: 2, duration: '100ms' },
      { target: 0, duration: '0s' },
      { target: 0, duration: '200ms' },
      { target: 1, duration: '0s' },
      { target: 1, duration: '100ms' },
      { target: 1, duration: '0s' },
      { target: 1, duration: '3000ms' },
    ]);
    // The curve's iterations add up to the ops, plus one per bucket of the tail.
    const stages = arrivalStages(ts, 100, 1_000);
    const iterations = stages
      .filter((s) => s.duration !== '0s')
      .reduce((n, s) => n + (s.target * Number.parseInt(s.duration, 10)) / 100, 0);
    expect(iterations).toBe(ts.length + 30);
  });

  it('sizes VUs for the busiest window of waiting and in-flight ops', () => {
    const ts = Array.from({ length: 1_000 }, (_, i) => i); // 1,000/s for 1 s
    const { preAllocatedVUs, maxVUs } = vuSizing(ts, 100, 3_000);
    // 451 ops within 2 buckets + 250 ms, a fifth more, and 5.
    expect(preAllocatedVUs).toBe(Math.ceil(451 * 1.2) + 5);
    expect(maxVUs).toBe(Math.ceil(((451 * 1_000) / 450) * 3));
  });

  it('maps latency and error assertions k6 can measure, and says why it leaves the rest', () => {
    const { thresholds, unmapped } = mapThresholds(
      {
        checkout_latency: 'p(99)<2s',
        read_stock_latency: 'avg<250',
        checkout_errors: 'rate<1%',
        'checkout_latency{during:fault}': 'p(99)<2000',
        oversold_units: '==0',
      },
      3,
    );
    expect(thresholds).toEqual({
      'http_req_duration{name:checkout}': ['p(99)<2000'],
      'http_req_duration{name:read-stock}': ['avg<250'],
      'peakdrill_op_errors{name:checkout}': ['rate<0.01'],
      dropped_iterations: ['count<=3'],
    });
    expect(unmapped.map((u) => u.assertion)).toEqual(['checkout_latency{during:fault}', 'oversold_units']);
    expect(unmapped[0]!.reason).toMatch(/fault windows/);
  });
});
