import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../checkers/checker.ts';
import { decideRollback, rollbackLine } from './rollback-decision.ts';

const result = (name: string, figures: Record<string, number>, extra: Partial<CheckResult> = {}) =>
  ({ name, valid: true, figures, evidence: [], explanation: '', ...extra }) as CheckResult;

const healthy = [
  result('drift', { driftRate: 0 }),
  result('webhook-replay', { webhookFailureRate: 0.01 }),
  result('lost-acks', { lostAcks: 0, acknowledgedOps: 1_000 }),
];

describe('rollback decision', () => {
  it('keeps the cutover when every criterion holds, and says why', () => {
    const d = decideRollback(healthy);
    expect(d.rollBack).toBe(false);
    expect(rollbackLine(d)).toBe(
      'roll back: no, because inventory drift 0 % ≤ 0.1 %; webhook replay failures 1 % ≤ 5 %; fulfilment failures 0 % ≤ 2 %',
    );
  });

  it('rolls back on each breached criterion, naming only those', () => {
    const d = decideRollback([
      result('drift', { driftRate: 0.002 }),
      result('webhook-replay', { webhookFailureRate: 0.06 }),
      result('lost-acks', { lostAcks: 30, acknowledgedOps: 1_000 }),
    ]);
    expect(d.rollBack).toBe(true);
    expect(d.because).toEqual([
      'inventory drift 0.2 % > 0.1 %',
      'webhook replay failures 6 % > 5 %',
      'fulfilment failures 3 % > 2 %',
    ]);
  });

  it('rolls back when a criterion could not be measured', () => {
    const d = decideRollback([healthy[0]!, healthy[1]!]);
    expect(d.rollBack).toBe(true);
    expect(d.because).toEqual(['fulfilment failures could not be measured']);
  });

  it('counts no queued webhook as no replay failure', () => {
    const d = decideRollback([
      healthy[0]!,
      result('webhook-replay', {}, { notApplicable: true }),
      healthy[2]!,
    ]);
    expect(d.rollBack).toBe(false);
  });
});
