// Durations as people write them in scenarios and flags ('250ms', '30s',
// '1m30s', '2h') to milliseconds. Garbage is an error that quotes the input.
import { PeakdrillError } from './errors.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

export function parseDurationMs(text: string, field = 'duration'): number {
  const trimmed = text.trim();
  PART.lastIndex = 0;
  let total = 0;
  let matched = 0;
  for (let m = PART.exec(trimmed); m; m = PART.exec(trimmed)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = PART.lastIndex;
  }
  if (trimmed === '' || matched !== trimmed.length) {
    throw new PeakdrillError('PEAKDRILL_ERR_INVALID_INPUT', `${field}: "${text}" is not a duration`, {
      hint: "write it like '250ms', '30s', '1m30s' or '2h'",
    });
  }
  return Math.round(total);
}
