import { describe, expect, it } from 'vitest';
import { DEFECT_NAMES } from '../reference-store/defects.ts';
import type { Verdict } from '../verdict/verdict-schema.ts';
import { DEFECT_CELLS, detectionMatrix, judgeCell } from './detection-matrix.ts';

function verdict(status: Verdict['status'], checkers: [string, boolean | 'unknown', number][]): Verdict {
  return {
    schemaVersion: 1,
    scenario: 's',
    seed: 1,
    runId: 'r',
    versions: {},
    generatedAt: new Date(0).toISOString(),
    status,
    summary: `summary ${status}`,
    run: { endStatus: status === 'error' ? 'aborted' : 'completed' },
    assertions: [],
    checkers: checkers.map(([name, valid, evidence]) => ({
      name,
      valid,
      figures: {},
      evidence: Array.from({ length: evidence }, (_, i) => ({ what: `e${i}` })),
      explanation: `${name} explanation`,
    })),
  };
}

describe('the detection matrix', () => {
  it('has every built-in scenario on the correct store and every seeded defect once', () => {
    const cells = detectionMatrix();
    expect(cells.filter((c) => c.defect === null)).toHaveLength(7);
    expect(DEFECT_CELLS.map((c) => c.defect).sort()).toEqual([...DEFECT_NAMES].sort());
  });

  it('a correct-store cell is right only when the run passed', () => {
    const cell = detectionMatrix()[0]!;
    expect(judgeCell(cell, verdict('pass', [['oversell', true, 0]])).ok).toBe(true);
    const alarm = judgeCell(cell, verdict('fail', [['oversell', false, 2]]));
    expect(alarm).toMatchObject({ ok: false, got: 'fail', failedCheckers: ['oversell'] });
    expect(judgeCell(cell, undefined)).toMatchObject({ ok: false, got: 'error' });
  });

  it('a defect cell is right only when its own checker failed with evidence', () => {
    const cell = DEFECT_CELLS.find((c) => c.defect === 'oversell-race')!;
    expect(judgeCell(cell, verdict('fail', [['oversell', false, 3]])).ok).toBe(true);
    expect(judgeCell(cell, verdict('fail', [['oversell', false, 0]])).why).toMatch(/without evidence/);
    expect(
      judgeCell(
        cell,
        verdict('fail', [
          ['oversell', 'unknown', 0],
          ['drift', false, 1],
        ]),
      ).ok,
    ).toBe(false);
    expect(judgeCell(cell, verdict('error', [['oversell', false, 3]])).ok).toBe(false);
  });
});
