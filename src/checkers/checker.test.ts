import { describe, expect, it } from 'vitest';
import {
  type Checker,
  combineValidity,
  composeCheckers,
  defaultCheckOptions,
  EvidenceList,
  notApplicable,
  runCheckers,
  safeChecker,
} from './checker.ts';
import { HistoryFixture } from './testing/history-fixture.ts';

const fixed = (name: string, valid: true | false | 'unknown', n = 1): Checker => ({
  name,
  check: () => ({
    name,
    valid,
    figures: { n },
    evidence: [{ what: name }],
    explanation: `${name} says ${valid}`,
  }),
});

describe('checker composition', () => {
  const history = new HistoryFixture().index();

  it('false beats unknown beats true', () => {
    expect(combineValidity([true, true])).toBe(true);
    expect(combineValidity([true, 'unknown'])).toBe('unknown');
    expect(combineValidity(['unknown', false, true])).toBe(false);
    expect(combineValidity([])).toBe(true);
  });

  it('composes figures under each checker name and explains what did not pass', () => {
    const c = composeCheckers('all', [fixed('x', true, 1), fixed('y', 'unknown', 2), fixed('z', true, 3)]);
    const r = c.check(history, undefined, defaultCheckOptions);
    expect(r.valid).toBe('unknown');
    expect(r.figures).toEqual({ 'x.n': 1, 'y.n': 2, 'z.n': 3 });
    expect(r.explanation).toBe('y: y says unknown');
    expect(
      composeCheckers('all', [fixed('x', true), fixed('y', false)]).check(
        history,
        undefined,
        defaultCheckOptions,
      ).valid,
    ).toBe(false);
  });

  it('leaves a check with nothing to judge out of the combined validity', () => {
    const na: Checker = { name: 'na', check: () => notApplicable('na', 'no offline sale in the history') };
    const r = composeCheckers('all', [fixed('x', true), na]).check(history, undefined, defaultCheckOptions);
    expect(r.valid).toBe(true);
    expect(r.notApplicable).toBeUndefined();
    const none = composeCheckers('all', [na]).check(history, undefined, defaultCheckOptions);
    expect(none).toMatchObject({ valid: 'unknown', notApplicable: true });
    expect(
      composeCheckers('all', [fixed('x', false), na]).check(history, undefined, defaultCheckOptions).valid,
    ).toBe(false);
  });

  it('turns a thrown error into unknown with the error as evidence', () => {
    const boom: Checker = {
      name: 'boom',
      check: () => {
        throw new Error('bad state');
      },
    };
    const r = safeChecker(boom).check(history, undefined, defaultCheckOptions);
    expect(r.valid).toBe('unknown');
    expect(r.evidence[0]).toMatchObject({ what: 'checker threw', actual: 'bad state' });
    expect(runCheckers([boom, fixed('ok', true)], history, undefined).map((x) => x.valid)).toEqual([
      'unknown',
      true,
    ]);
  });

  it('caps evidence but counts all of it', () => {
    const e = new EvidenceList(2);
    for (let i = 0; i < 5; i++) e.add({ what: `${i}` });
    expect(e.items).toHaveLength(2);
    expect(e.total).toBe(5);
  });
});
