import { describe, expect, it } from 'vitest';
import { emptyRegionState, type FinalState } from '../model/final-state.ts';
import { defaultCheckOptions } from './checker.ts';
import { targetRecoveryChecker } from './target-recovery-checker.ts';
import { HistoryFixture } from './testing/history-fixture.ts';

const STATE: FinalState = {
  schemaVersion: 1,
  authoritativeRegion: 'b',
  regions: { b: emptyRegionState('b') },
};

describe('target recovery checker', () => {
  it('passes when every fault healed and the final state was read', () => {
    const h = new HistoryFixture().fault('lose-region-a', 1_000, 5_000, 'region-loss');
    const r = targetRecoveryChecker().check(h.index(), STATE, defaultCheckOptions);
    expect(r.valid).toBe(true);
    expect(r.figures).toEqual({ membersDown: 0, stateUnreadable: 0 });
  });

  it('fails, with the reason, when a member stayed down after its heal (a failback that never came back)', () => {
    const h = new HistoryFixture()
      .fault('lose-region-a', 1_000, undefined, 'region-loss')
      .healFailed('lose-region-a', 5_000, 'store-a did not come back after its restart: exited with code 1');
    const r = targetRecoveryChecker().check(h.index(), STATE, defaultCheckOptions);
    expect(r.valid).toBe(false);
    expect(r.figures.membersDown).toBe(1);
    expect(r.evidence[0]).toMatchObject({
      what: 'member did not come back after its fault was healed',
      key: 'lose-region-a',
      actual: expect.stringMatching(/store-a did not come back/),
    });
    expect(r.explanation).toMatch(/left a member down/);
  });

  it('fails when the target could not be read after the run, naming why', () => {
    const h = new HistoryFixture();
    const r = targetRecoveryChecker({ stateUnreadable: 'no region answered GET /admin/state' }).check(
      h.index(),
      undefined,
      defaultCheckOptions,
    );
    expect(r.valid).toBe(false);
    expect(r.figures.stateUnreadable).toBe(1);
    expect(r.explanation).toMatch(/could not be read \(no region answered/);
  });

  it('is unknown with no state and no recorded reason: nothing proves recovery', () => {
    const r = targetRecoveryChecker().check(new HistoryFixture().index(), undefined, defaultCheckOptions);
    expect(r.valid).toBe('unknown');
  });
});
