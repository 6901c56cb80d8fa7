import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../model/history-entry.ts';
import { RunTally } from './run-tally.ts';

const done = (type: 'ok' | 'fail' | 'info', code?: string, f = 'checkout'): HistoryEntry => ({
  type,
  op: `r:${Math.random()}`,
  process: 'web:shopper-1',
  f,
  completedNs: 1,
  latencyMs: 1,
  ...(code ? { error: { code, message: code } } : {}),
});

describe('the run tally', () => {
  it('passes every entry on and counts errors, not business rejections', () => {
    const seen: HistoryEntry[] = [];
    const tally = new RunTally(
      { append: (e) => seen.push(e) },
      { businessCodes: ['out-of-stock'], ignoredF: ['fleet-wait'] },
    );
    tally.append(done('ok'));
    tally.append(done('fail', 'out-of-stock'));
    tally.append(done('fail', 'not-writable'));
    tally.append(done('info', 'timeout'));
    tally.append(done('ok', undefined, 'fleet-wait'));
    expect(seen).toHaveLength(5);
    expect({ completions: tally.completions, ok: tally.ok, errors: tally.errors }).toEqual({
      completions: 4,
      ok: 1,
      errors: 2,
    });
    expect(tally.takeWindow()).toEqual({ completions: 4, errors: 2 });
    expect(tally.takeWindow()).toEqual({ completions: 0, errors: 0 });
  });

  it('knows which faults are active from their start and stop entries', () => {
    const tally = new RunTally({ append: () => {} }, { businessCodes: [] });
    tally.append({ type: 'fault', phase: 'start', fault: 'lose-region-a', target: 'a', atNs: 1 });
    tally.append({ type: 'fault', phase: 'start', fault: 'slow-db', target: 'db-a', atNs: 2 });
    tally.append({ type: 'fault', phase: 'stop', fault: 'lose-region-a', target: 'a', atNs: 3 });
    expect([...tally.activeFaults]).toEqual(['slow-db']);
  });
});
