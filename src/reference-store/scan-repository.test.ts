import { describe, expect, it } from 'vitest';
import { isStaleScan, levelAfterCount } from './scan-repository.ts';

describe('isStaleScan (pure)', () => {
  const seen = { lastSequence: 10, lastCountSequence: 7 };

  it('drops a cycle count older than any scan already applied', () => {
    expect(isStaleScan('cycle-count', 9, seen)).toBe(true);
    expect(isStaleScan('cycle-count', 10, seen)).toBe(true);
    expect(isStaleScan('cycle-count', 11, seen)).toBe(false);
  });

  it('applies a late delta unless a newer count already includes it', () => {
    expect(isStaleScan('receiving', 8, seen)).toBe(false);
    expect(isStaleScan('adjustment', 7, seen)).toBe(true);
    expect(isStaleScan('receiving', 3, seen)).toBe(true);
  });
});

describe('levelAfterCount (pure)', () => {
  it('keeps what moved after the count on top of what was counted', () => {
    // Counted 20; 3 sold and 1 returned since: the shelf holds 18, not 20.
    expect(levelAfterCount(20, -3 + 1)).toBe(18);
    expect(levelAfterCount(20, 0)).toBe(20);
    expect(levelAfterCount(5, 4)).toBe(9);
  });

  it('never goes below zero when the count missed units that were sold since', () => {
    expect(levelAfterCount(2, -3)).toBe(0);
  });
});
