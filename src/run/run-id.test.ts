import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeakdrillError } from '../model/errors.ts';
import { runIdProblem, validateRunId } from './run-id.ts';
import { newRunId } from './run-scenario.ts';

describe('run ids (issue 15 #7)', () => {
  it('are names: a path, "..", "." or an empty id is refused with a fix', () => {
    for (const id of [
      '../../x',
      '..',
      '.',
      '',
      'a/b',
      '/abs',
      'x/../../y',
      '.hidden',
      'a\\b',
      'x'.repeat(129),
    ]) {
      const error = (() => {
        try {
          validateRunId(id);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, id).toBeInstanceOf(PeakdrillError);
      expect((error as PeakdrillError).hint).toMatch(/plain name/);
    }
  });

  it('accept what peakdrill itself makes and plain names', () => {
    for (const id of ['drill-1', 'flash-sale-20261205T075457-4f5b', 'A.b_c-9', newRunId('region-failover')])
      expect(validateRunId(id)).toBe(id);
  });

  it('never accept an id holding a path separator or made only of dots', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (id) => {
        if (runIdProblem(id) !== undefined) return;
        expect(id).not.toMatch(/[/\\]/);
        expect(id).not.toMatch(/^\.+$/);
      }),
      { numRuns: 500 },
    );
  });
});
