// Target recovery: whatever a fault took away came back when the fault was
// healed, and the final state could be read. A store that crashes on rejoining
// after a failback, or a target whose state cannot be read once the run is
// over, is a finding about the target (fail, with evidence), not a harness
// error: peakdrill did its part (restarted the member, asked for the state).
// True only with positive evidence: the oracle read a final state.
import { atMs, type Checker, type CheckResult, EvidenceList, plural } from './checker.ts';

export const TARGET_RECOVERY = 'target-recovery';

export interface TargetRecoveryOptions {
  /** Why the oracle could not read the target's final state after the run (oracle.json). */
  readonly stateUnreadable?: string;
}

export function targetRecoveryChecker(options: TargetRecoveryOptions = {}): Checker {
  return {
    name: TARGET_RECOVERY,
    check(history, state, checkOptions): CheckResult {
      const evidence = new EvidenceList(checkOptions.maxEvidence);
      let membersDown = 0;
      for (const f of history.faults) {
        if (!f.healFailed) continue;
        membersDown++;
        evidence.add({
          what: 'member did not come back after its fault was healed',
          key: f.name,
          ...(f.target ? { region: f.target } : {}),
          atMs: atMs(f.stopNs),
          actual: f.healError ?? 'heal failed',
        });
      }
      const unreadable = options.stateUnreadable;
      if (unreadable !== undefined) {
        evidence.add({ what: 'final state could not be read after the run', actual: unreadable });
      }
      const figures = { membersDown, stateUnreadable: unreadable === undefined ? 0 : 1 };
      if (membersDown > 0 || unreadable !== undefined) {
        const parts = [
          ...(membersDown > 0 ? [`${plural(membersDown, 'fault')} left a member down after healing`] : []),
          ...(unreadable !== undefined ? [`the final state could not be read (${unreadable})`] : []),
        ];
        return {
          name: TARGET_RECOVERY,
          valid: false,
          figures,
          evidence: evidence.items,
          explanation: parts.join('; '),
        };
      }
      if (state === undefined) {
        return {
          name: TARGET_RECOVERY,
          valid: 'unknown',
          figures,
          evidence: evidence.items,
          explanation: 'no final state was read and no reason is recorded, so recovery cannot be judged',
        };
      }
      return {
        name: TARGET_RECOVERY,
        valid: true,
        figures,
        evidence: evidence.items,
        explanation: `every member came back after ${plural(history.faults.length, 'fault')} and the final state was read`,
      };
    },
  };
}
