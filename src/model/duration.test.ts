import { describe, expect, it } from 'vitest';
import { parseDurationMs } from './duration.ts';

describe('parseDurationMs', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1.5s', 1_500],
    [' 10s ', 10_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '10', 'ten seconds', '10 s', '5x', '-1s', '1s2'])('rejects %j naming the field', (text) => {
    expect(() => parseDurationMs(text, 'faults[0].for')).toThrow(/faults\[0\]\.for: ".*" is not a duration/);
  });
});
