// One mutant's outcome from its run's exit code and verdict. caught: the run
// failed with a checker that said false or an assertion that failed; survived:
// exit 0; undecided: exit 1 but only because assertions could not be decided
// (a maybe is not a detection); error: exit 2, a time-out or no verdict (the
// harness or the store broke: not a detection either, listed apart).
import type { Verdict } from '../../src/verdict/verdict-schema.ts';

export type MutantOutcome = 'caught' | 'survived' | 'undecided' | 'error';

export interface Classified {
  readonly outcome: MutantOutcome;
  /** The checkers that said false and the assertions that failed (caught), or why not. */
  readonly by: string[];
  readonly why: string;
}

export const EXIT_PASS = 0;
export const EXIT_FAIL = 1;

type VerdictView = Pick<Verdict, 'status' | 'summary'> & {
  readonly checkers: readonly Pick<Verdict['checkers'][number], 'name' | 'valid'>[];
  readonly assertions: readonly Pick<Verdict['assertions'][number], 'name' | 'result'>[];
};

export function classifyRun(
  exitCode: number | null,
  verdict: VerdictView | undefined,
  timedOut = false,
): Classified {
  if (timedOut) return { outcome: 'error', by: [], why: 'the run exceeded its time limit' };
  if (verdict === undefined) {
    return { outcome: 'error', by: [], why: `exit ${exitCode ?? 'by signal'} with no verdict` };
  }
  if (exitCode === EXIT_PASS && verdict.status === 'pass') {
    return { outcome: 'survived', by: [], why: verdict.summary };
  }
  if (exitCode !== EXIT_FAIL || verdict.status !== 'fail') {
    return { outcome: 'error', by: [], why: `exit ${exitCode ?? 'by signal'}: ${verdict.summary}` };
  }
  const by = failingParts(verdict);
  return by.length > 0
    ? { outcome: 'caught', by, why: verdict.summary }
    : { outcome: 'undecided', by: [], why: verdict.summary };
}

/** `checker <name>` for each checker that said false, `assertion <name>` for each failed assertion. */
export function failingParts(verdict: VerdictView): string[] {
  return [
    ...verdict.checkers.filter((c) => c.valid === false).map((c) => `checker ${c.name}`),
    ...verdict.assertions.filter((a) => a.result === 'fail').map((a) => `assertion ${a.name}`),
  ];
}
