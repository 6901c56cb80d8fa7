import { describe, expect, it } from 'vitest';
import { classifyRun } from './mutant-outcome.ts';

const verdict = (
  status: 'pass' | 'fail' | 'error',
  checkers: { name: string; valid: boolean | 'unknown' }[] = [],
  assertions: { name: string; result: 'pass' | 'fail' | 'unknown' | 'error' }[] = [],
) => ({ status, summary: `the run ${status}ed`, checkers, assertions });

describe('a mutant’s outcome from its verdict', () => {
  it('caught: exit 1 with a checker that said false', () => {
    const r = classifyRun(
      1,
      verdict('fail', [
        { name: 'oversell', valid: false },
        { name: 'rto', valid: true },
      ]),
    );
    expect(r).toMatchObject({ outcome: 'caught', by: ['checker oversell'] });
  });

  it('caught: exit 1 with a failed assertion', () => {
    const r = classifyRun(1, verdict('fail', [], [{ name: 'rto', result: 'fail' }]));
    expect(r).toMatchObject({ outcome: 'caught', by: ['assertion rto'] });
  });

  it('undecided: exit 1 only because an assertion could not be decided', () => {
    const r = classifyRun(
      1,
      verdict('fail', [{ name: 'drift', valid: 'unknown' }], [{ name: 'drift', result: 'unknown' }]),
    );
    expect(r.outcome).toBe('undecided');
  });

  it('survived: exit 0 and a pass', () => {
    expect(classifyRun(0, verdict('pass')).outcome).toBe('survived');
  });

  it('error: exit 2, no verdict, a time-out, or an exit code the verdict contradicts', () => {
    expect(classifyRun(2, verdict('error')).outcome).toBe('error');
    expect(classifyRun(1, undefined).outcome).toBe('error');
    expect(classifyRun(null, undefined).why).toMatch(/by signal/);
    expect(classifyRun(0, verdict('pass'), true)).toMatchObject({ outcome: 'error', why: /time limit/ });
    expect(classifyRun(0, verdict('fail', [{ name: 'x', valid: false }])).outcome).toBe('error');
  });
});
