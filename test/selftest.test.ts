// The detection matrix on the real local stack, through the real CLI: every
// built-in scenario end to end against the correct reference store (no false
// alarm), and every seeded defect caught by the checker that should catch it,
// with evidence. This is also the suite's end-to-end run of every built-in
// scenario, at each scenario's compressed speed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFECT_NAMES } from '../src/reference-store/defects.ts';
import { peakdrill } from './support/cli.ts';

interface Cell {
  scenario: string;
  defect: string | null;
  expected: 'pass' | 'fail';
  got: string;
  checker: string | null;
  ok: boolean;
  why: string;
  seconds: number;
}

describe('peakdrill selftest (detection matrix)', () => {
  it(
    'passes every built-in scenario on the correct store and catches every seeded defect',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'peakdrill-selftest-'));
      const started = performance.now();
      const run = await peakdrill(['selftest', '--json', '--out', out]).done;
      const minutes = ((performance.now() - started) / 60_000).toFixed(1);
      const report = JSON.parse(run.stdout) as { ok: boolean; cells: Cell[] };
      console.log(
        `selftest: ${minutes} min\n${report.cells
          .map(
            (c) =>
              `${c.ok ? 'ok   ' : 'WRONG'} ${c.scenario} × ${c.defect ?? 'correct'}: ${c.got} (${c.seconds} s) ${c.why}`,
          )
          .join('\n')}`,
      );
      const wrong = report.cells.filter((c) => !c.ok);
      expect(wrong, JSON.stringify(wrong, null, 2)).toEqual([]);
      expect(report.cells.filter((c) => c.defect === null).map((c) => c.got)).toEqual(Array(7).fill('pass'));
      expect(
        report.cells
          .filter((c) => c.defect !== null)
          .map((c) => c.defect)
          .sort(),
      ).toEqual([...DEFECT_NAMES].sort());
      expect(run.code, run.stderr.slice(-3_000)).toBe(0);
    },
    45 * 60_000,
  );
});
