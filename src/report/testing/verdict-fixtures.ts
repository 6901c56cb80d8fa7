// Verdicts and run infos for report tests, built by the real buildVerdict from
// hand-written checker results, so reports are tested on what a run writes.
import type { CheckResult } from '../../checkers/checker.ts';
import type { RunInfo } from '../../run/run-directory.ts';
import { buildVerdict } from '../../verdict/verdict.ts';
import type { Verdict } from '../../verdict/verdict-schema.ts';

export function checkResult(name: string, fields: Partial<CheckResult> = {}): CheckResult {
  return {
    name,
    valid: true,
    figures: {},
    evidence: [],
    explanation: `${name}: nothing to report`,
    ...fields,
  };
}

/** A region-failover run where the store lost acknowledged sales and recovered too slowly. */
export function failingVerdict(overrides: { endStatus?: 'completed' | 'aborted' | 'error' } = {}): Verdict {
  return buildVerdict({
    scenario: 'region-failover',
    seed: 42,
    versions: { peakdrill: '0.1.0', postgres: '15.18' },
    generatedAt: new Date('2025-11-21T17:05:00.000Z'),
    assertions: { rto: '<60s', lost_acks: '==0', checkout_latency: 'p(99)<800', oversold_units: '==0' },
    run: {
      runId: 'run-1',
      endStatus: overrides.endStatus ?? 'completed',
      ...(overrides.endStatus === 'aborted' ? { endReason: 'error rate above 50% for 10 s' } : {}),
    },
    results: [
      checkResult('rto', {
        valid: false,
        figures: { rtoMs: 72_300, objectiveMs: 60_000, detectionMs: 400, unrecovered: 0, faults: 1 },
        evidence: [
          {
            what: 'recovered after the objective',
            region: 'b',
            atMs: 92_300,
            expected: 60_000,
            actual: 72_300,
          },
        ],
        explanation: 'service came back 72.3 s after region-loss started, beyond the 60 s objective',
      }),
      checkResult('lost-acks', {
        valid: false,
        figures: { lostAcks: 3, acknowledgedOps: 2_950, dataLossWindowMs: 180, rpoMs: 180 },
        evidence: [
          {
            what: 'acknowledged sale missing',
            op: 'run-1:1017',
            sku: 'SKU-0001',
            store: 'S001',
            region: 'b',
            atMs: 19_950,
          },
          { what: 'acknowledged sale missing', op: 'run-1:1018', sku: 'SKU-<&>"', region: 'b', atMs: 20_010 },
          { what: 'acknowledged sale missing', op: 'run-1:1021', sku: 'SKU-0002', region: 'b', atMs: 20_130 },
        ],
        explanation: '3 acknowledged writes missing from region b, acknowledged over 180 ms',
      }),
      checkResult('slo', {
        figures: {
          'checkout_latency.p(99)': 640.5,
          'checkout_latency.p(95)': 300,
          'checkout_errors.rate': 0.021,
          'checkout_ops.count': 2_950,
        },
        explanation: '2,950 ops, error rate 2.10%, checkout p(99) 640.5 ms',
      }),
      checkResult('oversell', {
        figures: { oversoldUnits: 0, oversoldSkus: 0, negativeStock: 0, epcDoubleSold: 0 },
        explanation: 'no oversell in region b',
      }),
      checkResult('idempotency', {
        valid: false,
        figures: { duplicateApplies: 2 },
        evidence: [{ what: 'webhook applied twice', key: 'evt-77', sku: 'SKU-0003', atMs: 31_000 }],
        explanation: '2 webhook events applied twice',
      }),
      checkResult('ordering', { valid: 'unknown', explanation: 'no sequenced writes in the history' }),
    ],
  });
}

export function passingVerdict(): Verdict {
  return buildVerdict({
    scenario: 'flash-sale',
    seed: 7,
    versions: { peakdrill: '0.1.0' },
    generatedAt: new Date('2025-11-21T17:05:00.000Z'),
    assertions: { oversold_units: '==0' },
    run: { runId: 'run-2', endStatus: 'completed' },
    results: [checkResult('oversell', { figures: { oversoldUnits: 0 }, explanation: 'no oversell' })],
  });
}

export function runInfo(fields: Partial<RunInfo> = {}): RunInfo {
  return {
    runId: 'run-1',
    scenario: 'region-failover',
    seed: 42,
    speed: 10,
    defect: 'ack-before-replication',
    engine: 'node',
    stack: 'local',
    versions: { peakdrill: '0.1.0' },
    startedAt: '2025-11-21T17:00:00.000Z',
    endedAt: '2025-11-21T17:01:05.500Z',
    status: 'completed',
    ...fields,
  };
}
