// The detection matrix: which run proves the harness has no false alarms and
// which run proves it catches each seeded defect. A harness is worth the bugs
// it catches (DESIGN.md, "Detection power"); this table is that claim, cell by
// cell, and `peakdrill selftest` checks every cell against the real stack.

import { COUNT_INTEGRITY } from '../checkers/count-integrity-checker.ts';
import { DRIFT } from '../checkers/drift-checker.ts';
import { EVENT_STREAM } from '../checkers/event-stream-checker.ts';
import { IDEMPOTENCY } from '../checkers/idempotency-checker.ts';
import { LOST_ACKS } from '../checkers/lost-ack-checker.ts';
import { OFFLINE_RECONCILIATION } from '../checkers/offline-reconciliation-checker.ts';
import { ORDERING } from '../checkers/ordering-checker.ts';
import { OVERSELL } from '../checkers/oversell-checker.ts';
import { RTO } from '../checkers/rto-checker.ts';
import { SPLIT_BRAIN } from '../checkers/split-brain-checker.ts';
import { TARGET_RECOVERY } from '../checkers/target-recovery-checker.ts';
import { TENDER_INTEGRITY } from '../checkers/tender-integrity-checker.ts';
import { WEBHOOK_REPLAY } from '../checkers/webhook-replay-checker.ts';
import type { Verdict } from '../verdict/verdict-schema.ts';

export interface MatrixCell {
  readonly scenario: string;
  /** null: the correct store. */
  readonly defect: string | null;
  /** pass: no false alarm; fail: `checker` must find a violation, with evidence. */
  readonly expected: 'pass' | 'fail';
  readonly checker: string | null;
}

export const BUILTIN_SCENARIOS = [
  'flash-sale',
  'region-failover',
  'store-offline',
  'webhook-storm',
  'returns-under-failover',
  'cycle-count',
  'migration-cutover',
] as const;

/** Each seeded defect, the scenario that exposes it and the checker that must say so. */
export const DEFECT_CELLS: readonly MatrixCell[] = [
  { scenario: 'flash-sale', defect: 'oversell-race', expected: 'fail', checker: OVERSELL },
  { scenario: 'webhook-storm', defect: 'webhook-no-dedupe', expected: 'fail', checker: IDEMPOTENCY },
  // Redeliveries move stock with no ledger entry: the books no longer explain the stock.
  { scenario: 'webhook-storm', defect: 'webhook-ledger-skip', expected: 'fail', checker: DRIFT },
  { scenario: 'region-failover', defect: 'ack-before-replicate', expected: 'fail', checker: LOST_ACKS },
  { scenario: 'region-failover', defect: 'slow-failover', expected: 'fail', checker: RTO },
  { scenario: 'cycle-count', defect: 'unordered-scans', expected: 'fail', checker: ORDERING },
  {
    scenario: 'store-offline',
    defect: 'offline-double-apply',
    expected: 'fail',
    checker: OFFLINE_RECONCILIATION,
  },
  // Tills sell some sales offline with an incomplete tender record; a store that refuses
  // the whole batch for it drops every sale in it.
  {
    scenario: 'store-offline',
    defect: 'offline-strict-tenders',
    expected: 'fail',
    checker: OFFLINE_RECONCILIATION,
  },
  {
    scenario: 'returns-under-failover',
    defect: 'refund-overflow',
    expected: 'fail',
    checker: TENDER_INTEGRITY,
  },
  // A failback that leaves region a unable to serve is a finding about the target.
  { scenario: 'region-failover', defect: 'rejoin-crash', expected: 'fail', checker: TARGET_RECOVERY },
  // A former primary that comes back as primary while the other region writes: two writers
  // until the failback resynchronises it (and throws away what it took meanwhile).
  { scenario: 'region-failover', defect: 'rejoin-as-primary', expected: 'fail', checker: SPLIT_BRAIN },
  // Shoppers re-send checkouts across the region loss (issue 16 item 8); keys that never
  // reached the standby let them sell twice.
  { scenario: 'region-failover', defect: 'idempotency-unlogged', expected: 'fail', checker: IDEMPOTENCY },
  // Tills that upload during the freeze write to blue after CDC drained: acknowledged, never on green.
  { scenario: 'migration-cutover', defect: 'freeze-leak', expected: 'fail', checker: LOST_ACKS },
  // Webhooks answered 202 queued but held in blue's memory: never replayed into green.
  {
    scenario: 'migration-cutover',
    defect: 'webhook-queue-in-memory',
    expected: 'fail',
    checker: WEBHOOK_REPLAY,
  },
  // The seed alone is a burst past the relay's chunk; the sale's peaks add more.
  { scenario: 'flash-sale', defect: 'outbox-skip', expected: 'fail', checker: EVENT_STREAM },
  { scenario: 'cycle-count', defect: 'count-erases-sales', expected: 'fail', checker: COUNT_INTEGRITY },
];

export function detectionMatrix(): MatrixCell[] {
  return [
    ...BUILTIN_SCENARIOS.map(
      (scenario): MatrixCell => ({ scenario, defect: null, expected: 'pass', checker: null }),
    ),
    ...DEFECT_CELLS,
  ];
}

export interface CellOutcome {
  /** pass; fail (with the checkers that found violations); error (the run did not finish). */
  readonly got: 'pass' | 'fail' | 'error';
  readonly failedCheckers: string[];
  /** The cell is as expected. */
  readonly ok: boolean;
  readonly why: string;
}

/** Judges one cell from its verdict. A defect is caught only by its own checker, with evidence. */
export function judgeCell(cell: MatrixCell, verdict: Verdict | undefined): CellOutcome {
  if (verdict === undefined) {
    return { got: 'error', failedCheckers: [], ok: false, why: 'the run produced no verdict' };
  }
  const failedCheckers = verdict.checkers.filter((c) => c.valid === false).map((c) => c.name);
  const got = verdict.status;
  if (cell.expected === 'pass') {
    return got === 'pass'
      ? { got, failedCheckers, ok: true, why: 'no false alarm' }
      : { got, failedCheckers, ok: false, why: `expected a pass: ${verdict.summary}` };
  }
  if (got === 'error')
    return { got, failedCheckers, ok: false, why: `the run did not finish: ${verdict.summary}` };
  const named = verdict.checkers.find((c) => c.name === cell.checker);
  if (named === undefined) {
    return { got, failedCheckers, ok: false, why: `no checker named ${cell.checker} in the verdict` };
  }
  if (named.valid !== false) {
    return {
      got,
      failedCheckers,
      ok: false,
      why: `${cell.checker} said ${String(named.valid)}: ${named.explanation}`,
    };
  }
  if (named.evidence.length === 0) {
    return { got, failedCheckers, ok: false, why: `${cell.checker} failed without evidence` };
  }
  return { got, failedCheckers, ok: true, why: named.explanation };
}
