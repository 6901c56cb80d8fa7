// The verdict: every checker result plus the scenario's assertions, each with
// its threshold, measured value, result and evidence, and one status a CI job
// gates on. pass only when every assertion passed and no invariant was broken;
// a run that did not finish is `error`, never `pass`; an assertion that cannot
// be decided (a missing figure, a checker that said unknown) cannot pass.
import type { CheckResult } from '../checkers/checker.ts';
import { resolveMetric } from './assertion-metrics.ts';
import { decideRollback } from './rollback-decision.ts';
import { evaluateThreshold, parseThreshold, ThresholdError } from './threshold-expression.ts';
import { type AssertionResult, VERDICT_SCHEMA_VERSION, type Verdict } from './verdict-schema.ts';

export interface RunOutcome {
  readonly runId?: string | undefined;
  /** The history's `end` entry status; undefined when there was none. */
  readonly endStatus: 'completed' | 'aborted' | 'error' | undefined;
  readonly endReason?: string | undefined;
  /** A history line that could not be trusted: the run cannot be judged, whatever its end says. */
  readonly damage?: { readonly file: string; readonly line: number; readonly reason: string } | undefined;
}

export interface VerdictInput {
  readonly scenario: string;
  readonly seed: number;
  readonly versions: Readonly<Record<string, string>>;
  readonly results: readonly CheckResult[];
  /** Assertion name → threshold text, as the scenario declares them. */
  readonly assertions: Readonly<Record<string, string>>;
  readonly run: RunOutcome;
  /** enforce (default): a checker that finds a violation fails the run even without an assertion. */
  readonly invariants?: 'enforce' | 'report';
  readonly generatedAt?: Date;
  readonly target?: string | undefined;
  readonly notExercised?: readonly { op: string; ops?: number | undefined; why: string }[] | undefined;
  /** The run moved writes in a migration cutover: judge the playbook's rollback criteria. */
  readonly migration?: boolean;
}

const MAX_ASSERTION_EVIDENCE = 10;

/** The run outcome as the history index knows it. */
export function runOutcome(history: {
  header?: { runId: string } | undefined;
  endStatus: RunOutcome['endStatus'];
  endReason?: string | undefined;
  damage?: RunOutcome['damage'];
}): RunOutcome {
  const d = history.damage;
  return {
    runId: history.header?.runId,
    endStatus: history.endStatus,
    endReason: history.endReason,
    ...(d === undefined ? {} : { damage: { file: d.file, line: d.line, reason: d.reason } }),
  };
}

export function buildVerdict(input: VerdictInput): Verdict {
  const byName = new Map(input.results.map((r) => [r.name, r]));
  const assertions = Object.entries(input.assertions).map(([name, text]) =>
    evaluateAssertion(name, text, byName),
  );
  const endStatus = input.run.endStatus ?? 'missing';
  const count = (r: AssertionResult['result']) => assertions.filter((a) => a.result === r).length;
  const broken = input.invariants === 'report' ? [] : input.results.filter((r) => r.valid === false);

  let status: Verdict['status'];
  let summary: string;
  const damage = input.run.damage;
  if (damage !== undefined) {
    // Checked first: a damaged history proves nothing, even one whose end says completed.
    status = 'error';
    summary = `the history is damaged, so the run cannot be judged: ${damage.file}:${damage.line} ${damage.reason}`;
    if (endStatus !== 'completed')
      summary += `; and the run did not finish (${endSummary(endStatus, input.run)})`;
  } else if (endStatus !== 'completed') {
    status = 'error';
    summary = `the run did not finish: ${endSummary(endStatus, input.run)}`;
  } else if (count('error') > 0) {
    status = 'error';
    summary = `${count('error')} assertion(s) could not be evaluated: ${assertions
      .filter((a) => a.result === 'error')
      .map((a) => a.explanation)
      .join('; ')}`;
  } else if (count('fail') > 0 || count('unknown') > 0 || broken.length > 0) {
    status = 'fail';
    const parts: string[] = [];
    if (count('fail') > 0)
      parts.push(`${count('fail')} of ${assertions.length} assertions failed (${names(assertions, 'fail')})`);
    if (count('unknown') > 0)
      parts.push(`${count('unknown')} could not be decided (${names(assertions, 'unknown')})`);
    const unasserted = broken.filter(
      (r) => !assertions.some((a) => a.checker === r.name && a.result === 'fail'),
    );
    if (unasserted.length > 0)
      parts.push(`checker(s) ${unasserted.map((r) => r.name).join(', ')} found violations`);
    summary = parts.join('; ');
  } else {
    status = 'pass';
    summary = `all ${assertions.length} assertions passed and no checker found a violation`;
  }
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    scenario: input.scenario,
    seed: input.seed,
    runId: input.run.runId ?? null,
    versions: { ...input.versions },
    generatedAt: (input.generatedAt ?? new Date()).toISOString(),
    status,
    summary,
    run: {
      endStatus,
      ...(input.run.endReason === undefined ? {} : { endReason: input.run.endReason }),
      ...(damage === undefined ? {} : { damage: { ...damage } }),
    },
    assertions,
    checkers: input.results.map((r) => ({
      ...r,
      figures: finiteFigures(r.figures),
      evidence: [...r.evidence],
    })),
    ...(input.target === undefined ? {} : { target: input.target }),
    ...(input.migration === true ? { rollback: rollbackOf(input.results) } : {}),
    ...(input.notExercised === undefined || input.notExercised.length === 0
      ? {}
      : {
          notExercised: input.notExercised.map((n) => ({
            op: n.op,
            ...(n.ops === undefined ? {} : { ops: n.ops }),
            why: n.why,
          })),
        }),
  };
}

function rollbackOf(results: readonly CheckResult[]): NonNullable<Verdict['rollback']> {
  const d = decideRollback(results);
  return { rollBack: d.rollBack, because: [...d.because], criteria: d.criteria.map((c) => ({ ...c })) };
}

function endSummary(endStatus: Verdict['run']['endStatus'], run: RunOutcome): string {
  return endStatus === 'missing'
    ? 'its history has no end entry'
    : `it ended ${endStatus}${run.endReason ? ` (${run.endReason})` : ''}`;
}

function names(assertions: readonly AssertionResult[], result: AssertionResult['result']): string {
  return assertions
    .filter((a) => a.result === result)
    .map((a) => a.name)
    .join(', ');
}

/** JSON cannot hold NaN or Infinity: such figures are left out rather than written as null. */
function finiteFigures(figures: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(figures)) if (Number.isFinite(v)) out[k] = v;
  return out;
}

function evaluateAssertion(name: string, text: string, results: Map<string, CheckResult>): AssertionResult {
  const base = {
    name,
    threshold: text,
    checker: null,
    figure: null,
    measured: null,
    unit: null,
    evidence: [],
  };
  let threshold: ReturnType<typeof parseThreshold>;
  let ref: ReturnType<typeof resolveMetric>;
  try {
    threshold = parseThreshold(text, name);
    ref = resolveMetric(name, threshold);
  } catch (error) {
    if (!(error instanceof ThresholdError)) throw error;
    return { ...base, result: 'error', explanation: error.message };
  }
  const located = { ...base, checker: ref.checker, figure: ref.figure, unit: threshold.unit ?? null };
  const r = results.get(ref.checker);
  if (r === undefined) {
    return {
      ...located,
      result: 'error',
      explanation: `assertion "${name}": no checker named ${ref.checker} ran`,
    };
  }
  const measured = r.figures[ref.figure];
  const evidence = r.evidence.slice(0, MAX_ASSERTION_EVIDENCE).map((e) => ({ ...e }));
  if (measured === undefined || !Number.isFinite(measured)) {
    return {
      ...located,
      result: 'unknown',
      evidence,
      explanation: `${name} ${text}: ${ref.checker} reported no ${ref.figure} — ${r.explanation}`,
    };
  }
  const holds = evaluateThreshold(threshold, measured);
  const shown = `${name} ${text}: measured ${measured}${threshold.unit === 'ms' ? ' ms' : ''}`;
  if (!holds)
    return { ...located, measured, result: 'fail', evidence, explanation: `${shown} — ${r.explanation}` };
  // A figure that meets the threshold from a checker that could not decide is still undecided;
  // so is one from a checker that had nothing to judge (asserting on it proves nothing).
  if (r.valid === 'unknown') {
    const why = r.notApplicable === true ? 'had nothing to check' : 'could not decide';
    return {
      ...located,
      measured,
      result: 'unknown',
      evidence,
      explanation: `${shown}, but ${r.name} ${why}: ${r.explanation}`,
    };
  }
  return { ...located, measured, result: 'pass', explanation: shown };
}

/**
 * The verdict of a run that could not be judged (its files are missing or
 * damaged): `error`, never a pass, so the reports drawn from it fail a CI job
 * instead of leaving an older verdict in place.
 */
export function judgementErrorVerdict(input: {
  readonly scenario: string;
  readonly seed: number;
  readonly runId: string | null;
  readonly reason: string;
  readonly generatedAt?: Date;
}): Verdict {
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    scenario: input.scenario,
    seed: input.seed,
    runId: input.runId,
    versions: {},
    generatedAt: (input.generatedAt ?? new Date()).toISOString(),
    status: 'error',
    summary: `the run could not be judged: ${input.reason}`,
    run: { endStatus: 'error', endReason: `not judged: ${input.reason}` },
    assertions: [],
    checkers: [],
  };
}
