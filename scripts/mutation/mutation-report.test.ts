import { describe, expect, it } from 'vitest';
import type { Candidate } from './mutant-catalog.ts';
import { type MutantResult, markdownReport, summaryTable, tally } from './mutation-report.ts';

const mutant = (line: number): Candidate => ({
  id: `src/reference-store/webhook-repository.ts#${line}`,
  group: 'webhooks',
  scenario: 'webhook-storm',
  file: 'src/reference-store/webhook-repository.ts',
  line,
  column: 7,
  endLine: line,
  endColumn: 16,
  mutator: 'ConditionalExpression',
  original: 'taken > 0',
  replacement: 'true',
  sourceLine: '  if (taken > 0) await setStock(client, store, map);',
});
const result = (outcome: MutantResult['outcome'], line: number): MutantResult => ({
  mutant: mutant(line),
  outcome,
  by: outcome === 'caught' ? ['checker idempotency'] : [],
  why: outcome === 'error' ? 'exit 2: the run did not finish' : 'all 3 assertions passed',
  exitCode: outcome === 'caught' ? 1 : outcome === 'error' ? 2 : 0,
  seconds: 50,
  runDir: '/tmp/runs/x',
  leftovers: { reapedStacks: [], ownedStacks: [], killed: [] },
});

describe('the mutation report', () => {
  const results = [result('caught', 10), result('survived', 38), result('error', 50)];
  const report = {
    seed: 1,
    head: 'abc',
    requested: 3,
    speedFactor: 1,
    candidates: 9,
    unusable: 0,
    controls: [
      { scenario: 'webhook-storm', passed: true, failing: [], why: 'pass', seconds: 50, runDir: '/tmp/c' },
    ],
    results,
  };

  it('counts the share caught over judged mutants, errors apart', () => {
    expect(tally(results)).toEqual({
      caught: 1,
      survived: 1,
      undecided: 0,
      error: 1,
      noBaseline: 0,
      shareCaught: 0.5,
    });
    expect(tally([]).shareCaught).toBeNull();
  });

  it('counts a catch under a failing control only through what the control did not fail', () => {
    const control = (failing: string[]) => [
      { scenario: 'webhook-storm', passed: false, failing, why: 'slo', seconds: 1, runDir: '/c' },
    ];
    const sameAsControl = control(['checker idempotency']);
    expect(tally(results, sameAsControl)).toMatchObject({
      caught: 0,
      survived: 1,
      error: 1,
      noBaseline: 1,
      shareCaught: 0,
    });
    expect(summaryTable({ ...report, controls: sameAsControl })).toMatch(
      /control webhook-storm: NOT PASSED \(checker idempotency\)[\s\S]*no baseline/,
    );
    expect(tally(results, control(['assertion latency']))).toMatchObject({ caught: 1, noBaseline: 0 });
    // A control that errored leaves nothing to compare a catch with.
    expect(tally(results, control([]))).toMatchObject({ caught: 0, noBaseline: 1 });
  });

  it('lists every survivor and error with file:line, its line and both codes', () => {
    const md = markdownReport(report);
    expect(md).toContain('**50 % caught**');
    expect(md).toMatch(/## Survivors[\s\S]*webhook-repository\.ts:38:7[\s\S]*taken > 0[\s\S]*true/);
    expect(md).toMatch(/## Errors \(not detection\)[\s\S]*webhook-repository\.ts:50:7/);
    expect(md).toContain('line 38: `if (taken > 0) await setStock(client, store, map);`');
  });

  it('prints one row per mutant and the tally', () => {
    const table = summaryTable(report);
    expect(table.split('\n')).toHaveLength(1 + 1 + 3 + 2);
    expect(table).toContain('caught 1, survived 1, undecided 0, error 1: 50 % of the judged mutants caught');
  });
});
