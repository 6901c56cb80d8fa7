// The standard checker set, in report order, each with its own settings. A run
// checks a history with `checkAll`: every checker made safe, results in order.
import type { FinalState } from '../model/final-state.ts';
import {
  type Checker,
  type CheckOptions,
  type CheckResult,
  defaultCheckOptions,
  runCheckers,
} from './checker.ts';
import { type CountIntegrityOptions, countIntegrityChecker } from './count-integrity-checker.ts';
import { type DriftOptions, driftChecker } from './drift-checker.ts';
import { type EventStreamOptions, eventStreamChecker } from './event-stream-checker.ts';
import type { HistoryIndex } from './history-index.ts';
import { type IdempotencyOptions, idempotencyChecker } from './idempotency-checker.ts';
import { lostAckChecker } from './lost-ack-checker.ts';
import { offlineReconciliationChecker } from './offline-reconciliation-checker.ts';
import { type OrderingOptions, orderingChecker } from './ordering-checker.ts';
import { type OversellOptions, oversellChecker } from './oversell-checker.ts';
import { type PropagationOptions, propagationChecker } from './propagation-checker.ts';
import { type RtoOptions, rtoChecker } from './rto-checker.ts';
import { type SloOptions, sloChecker } from './slo-checker.ts';
import { type SplitBrainOptions, splitBrainChecker } from './split-brain-checker.ts';
import { stockConfirmationChecker } from './stock-confirmation-checker.ts';
import { type TargetRecoveryOptions, targetRecoveryChecker } from './target-recovery-checker.ts';
import { tenderIntegrityChecker } from './tender-integrity-checker.ts';
import { webhookReplayChecker } from './webhook-replay-checker.ts';

export interface CheckerSettings {
  readonly oversell?: OversellOptions;
  readonly rto?: RtoOptions;
  readonly idempotency?: IdempotencyOptions;
  readonly ordering?: OrderingOptions;
  readonly drift?: DriftOptions;
  readonly propagation?: PropagationOptions;
  readonly slo?: SloOptions;
  readonly targetRecovery?: TargetRecoveryOptions;
  readonly eventStream?: EventStreamOptions;
  readonly countIntegrity?: CountIntegrityOptions;
  readonly splitBrain?: SplitBrainOptions;
}

export function defaultCheckers(settings: CheckerSettings = {}): Checker[] {
  return [
    oversellChecker(settings.oversell),
    lostAckChecker(),
    rtoChecker(settings.rto),
    splitBrainChecker(settings.splitBrain),
    idempotencyChecker(settings.idempotency),
    orderingChecker(settings.ordering),
    driftChecker(settings.drift),
    offlineReconciliationChecker(),
    tenderIntegrityChecker(),
    countIntegrityChecker(settings.countIntegrity),
    propagationChecker(settings.propagation),
    sloChecker(settings.slo),
    targetRecoveryChecker(settings.targetRecovery),
    eventStreamChecker(settings.eventStream),
    webhookReplayChecker(),
    stockConfirmationChecker(),
  ];
}

export function checkAll(
  history: HistoryIndex,
  state: FinalState | undefined,
  settings: CheckerSettings = {},
  options: CheckOptions = defaultCheckOptions,
): CheckResult[] {
  return runCheckers(defaultCheckers(settings), history, state, options);
}
