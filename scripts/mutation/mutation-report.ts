// The sample's report: mutation.json (everything), mutation.md (for people:
// the share caught, every survivor with file:line and the code before and
// after so a reader can judge equivalence, undecided and errors apart) and
// the summary table printed at the end. Pure: results in, text out.
import type { Candidate } from './mutant-catalog.ts';
import type { MutantOutcome } from './mutant-outcome.ts';

export interface MutantResult {
  readonly mutant: Candidate;
  readonly outcome: MutantOutcome;
  readonly by: readonly string[];
  readonly why: string;
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly runDir: string;
  readonly leftovers: {
    readonly reapedStacks: string[];
    readonly ownedStacks: string[];
    readonly killed: string[];
  };
}

/** The unmutated store under one scenario: the baseline its mutants are judged against. */
export interface ControlResult {
  readonly scenario: string;
  readonly passed: boolean;
  /** What failed without a mutant (`checker x`, `assertion y`); empty when it passed or errored. */
  readonly failing: readonly string[];
  readonly why: string;
  readonly seconds: number;
  readonly runDir: string;
}

export interface SampleReport {
  readonly seed: number;
  readonly head: string;
  readonly requested: number;
  readonly speedFactor: number;
  readonly candidates: number;
  readonly unusable: number;
  /** Empty when the sample ran with --no-control. */
  readonly controls: readonly ControlResult[];
  readonly results: readonly MutantResult[];
}

export interface Tally {
  readonly caught: number;
  readonly survived: number;
  readonly undecided: number;
  readonly error: number;
  /** Mutants whose scenario's control run did not pass: whatever they got proves nothing. */
  readonly noBaseline: number;
  /** caught / (caught + survived + undecided): errors are neither detection nor its absence. */
  readonly shareCaught: number | null;
}

/**
 * Whether a mutant's outcome can be counted against its scenario's control.
 * A mutant that passed, or errored, counts whatever the control did. A catch
 * counts only through a checker or assertion the control did not fail: on a
 * busy machine the unmutated store can miss a latency objective, and a mutant
 * failing just that proves nothing; failing another one still does.
 */
export function hasBaseline(
  controls: readonly ControlResult[],
  result: Pick<MutantResult, 'outcome' | 'by'> & { mutant: Pick<Candidate, 'scenario'> },
): boolean {
  const control = controls.find((c) => c.scenario === result.mutant.scenario);
  if (control === undefined || control.passed) return true;
  if (result.outcome === 'survived' || result.outcome === 'error') return true;
  // An errored control (failing empty) leaves nothing to compare a catch with.
  return control.failing.length > 0 && result.by.some((b) => !control.failing.includes(b));
}

export function tally(
  results: readonly (Pick<MutantResult, 'outcome' | 'by'> & { mutant: Pick<Candidate, 'scenario'> })[],
  controls: readonly ControlResult[] = [],
): Tally {
  const based = results.filter((r) => hasBaseline(controls, r));
  const n = (o: MutantOutcome) => based.filter((r) => r.outcome === o).length;
  const judged = n('caught') + n('survived') + n('undecided');
  return {
    caught: n('caught'),
    survived: n('survived'),
    undecided: n('undecided'),
    error: n('error'),
    noBaseline: results.length - based.length,
    shareCaught: judged === 0 ? null : n('caught') / judged,
  };
}

function percent(share: number | null): string {
  return share === null ? 'n/a' : `${Math.round(share * 100)} %`;
}

export function where(m: Pick<Candidate, 'file' | 'line' | 'column'>): string {
  return `${m.file}:${m.line}:${m.column}`;
}

function oneLine(code: string, max = 70): string {
  const flat = code.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The table printed at the end of a sample: one row per mutant, then the tally. */
export function summaryTable(report: SampleReport): string {
  const rows = report.results.map((r) => [
    hasBaseline(report.controls, r) ? r.outcome : 'no baseline',
    r.mutant.group,
    where(r.mutant),
    r.mutant.mutator,
    `${oneLine(r.mutant.original, 40)} → ${oneLine(r.mutant.replacement, 30)}`,
    `${r.seconds} s`,
    r.outcome === 'caught' ? r.by.join(', ') : oneLine(r.why, 60),
  ]);
  const head = ['outcome', 'group', 'where', 'mutator', 'change', 'time', 'by / why'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const t = tally(report.results, report.controls);
  return [
    ...report.controls.map(
      (c) =>
        `control ${c.scenario}: ${c.passed ? 'pass' : `NOT PASSED (${c.failing.join(', ') || oneLine(c.why, 80)})`}`,
    ),
    line(head),
    ...rows.map(line),
    '',
    `caught ${t.caught}, survived ${t.survived}, undecided ${t.undecided}, error ${t.error}` +
      `${t.noBaseline > 0 ? `, no baseline ${t.noBaseline}` : ''}: ${percent(t.shareCaught)} of the judged mutants caught`,
  ].join('\n');
}

function codeBlock(code: string): string {
  return ['```ts', code, '```'].join('\n');
}

function mutantSection(r: MutantResult): string {
  const m = r.mutant;
  const lines = [
    `### ${where(m)} — ${m.mutator} (${m.group}, ${m.scenario})`,
    '',
    `line ${m.line}: \`${m.sourceLine.trim()}\``,
    '',
    'original:',
    codeBlock(m.original),
    'mutated:',
    codeBlock(m.replacement),
    `${r.outcome === 'error' ? 'error' : 'verdict'}: ${r.why} (exit ${r.exitCode ?? 'signal'}, ${r.seconds} s, run ${r.runDir})`,
  ];
  return lines.join('\n');
}

export function markdownReport(report: SampleReport): string {
  const t = tally(report.results, report.controls);
  const out = [
    '# Mutation sample of the reference store',
    '',
    `HEAD ${report.head}, seed ${report.seed}, ${report.results.length} of ${report.requested} mutants run ` +
      `(from ${report.candidates} candidates; ${report.unusable} could not be applied as erasable TypeScript), ` +
      `speed × ${report.speedFactor}.`,
    '',
    `**${percent(t.shareCaught)} caught** of the judged mutants: caught ${t.caught}, survived ${t.survived}, ` +
      `undecided ${t.undecided} (failed only on undecidable assertions); error ${t.error} (not counted)` +
      `${t.noBaseline > 0 ? `; no baseline ${t.noBaseline} (failed only where the unmutated store failed too: not counted)` : ''}.`,
    '',
    ...(report.controls.length === 0
      ? ['No control runs (--no-control): a catch by a timing assertion may be the machine, not the mutant.']
      : [
          'Controls (the unmutated store, same machine, same speed):',
          '',
          ...report.controls.map(
            (c) =>
              `- ${c.scenario}: ${c.passed ? 'pass' : `**not passed** (${c.failing.join(', ') || 'error'}): ${c.why}`} (${c.seconds} s, run ${c.runDir})`,
          ),
        ]),
    '',
    '| outcome | group | where | mutator | original → mutated | by / why | time |',
    '|---|---|---|---|---|---|---|',
    ...report.results.map(
      (r) =>
        `| ${r.outcome} | ${r.mutant.group} | \`${where(r.mutant)}\` | ${r.mutant.mutator} | ` +
        `\`${oneLine(r.mutant.original, 50).replaceAll('|', '\\|')}\` → \`${oneLine(r.mutant.replacement, 40).replaceAll('|', '\\|')}\` | ` +
        `${(r.outcome === 'caught' ? r.by.join(', ') : oneLine(r.why, 100)).replaceAll('|', '\\|')} | ${r.seconds} s |`,
    ),
  ];
  for (const [title, outcome] of [
    ['Survivors (judge which are equivalent)', 'survived'],
    ['Undecided', 'undecided'],
    ['Errors (not detection)', 'error'],
  ] as const) {
    const these = report.results.filter((r) => r.outcome === outcome);
    if (these.length > 0) out.push('', `## ${title}`, '', these.map(mutantSection).join('\n\n'));
  }
  const leftovers = report.results.filter(
    (r) => r.leftovers.killed.length + r.leftovers.ownedStacks.length + r.leftovers.reapedStacks.length > 0,
  );
  if (leftovers.length > 0) {
    out.push('', '## Left behind by a run (cleaned up)', '');
    for (const r of leftovers) out.push(`- ${r.mutant.id}: ${JSON.stringify(r.leftovers)}`);
  }
  return `${out.join('\n')}\n`;
}
