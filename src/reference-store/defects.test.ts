import { describe, expect, it } from 'vitest';
import { DEFECT_DESCRIPTIONS, DEFECT_NAMES, DefectSwitches, isDefectName } from './defects.ts';

describe('defect switches', () => {
  it('turns on exactly the named defect, and none for the correct store', () => {
    const correct = new DefectSwitches(undefined);
    const flags = (d: DefectSwitches) =>
      [
        d.oversellRace,
        d.webhookNoDedupe,
        d.ackBeforeReplicate,
        d.slowFailover,
        d.unorderedScans,
        d.offlineDoubleApply,
        d.refundOverflow,
        d.rejoinCrash,
        d.outboxSkip,
        d.countErasesSales,
        d.offlineStrictTenders,
        d.rejoinAsPrimary,
        d.webhookLedgerSkip,
        d.idempotencyUnlogged,
        d.freezeLeak,
        d.webhookQueueInMemory,
      ].filter(Boolean).length;
    expect(flags(correct)).toBe(0);
    for (const name of DEFECT_NAMES) {
      const d = new DefectSwitches(name);
      expect(d.active).toBe(name);
      expect(flags(d)).toBe(1);
    }
  });

  it('describes every defect and recognises only their names', () => {
    expect(Object.keys(DEFECT_DESCRIPTIONS).sort()).toEqual([...DEFECT_NAMES].sort());
    expect(isDefectName('refund-overflow')).toBe(true);
    expect(isDefectName('refund_overflow')).toBe(false);
  });
});
