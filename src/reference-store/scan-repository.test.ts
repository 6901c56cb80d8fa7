import { describe, expect, it } from 'vitest';
import { isStaleScan } from './scan-repository.ts';

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
