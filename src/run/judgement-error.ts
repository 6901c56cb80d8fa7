// When `peakdrill check` (or a run's own checking) cannot judge a run, every
// verdict artefact it would have written must say so: verdict.json becomes an
// `error` verdict and junit.xml, summary.md and report.html are drawn from it,
// so a CI job never reads an older PASS left behind. A directory that is no run
// directory (nothing peakdrill wrote) is left untouched.
import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { type RenderReportsOptions, renderReports } from '../report/render-reports.ts';
import { judgementErrorVerdict } from '../verdict/verdict.ts';
import type { Verdict } from '../verdict/verdict-schema.ts';
import { writeJsonAtomically } from './check-run.ts';
import { RUN_FILES, readRunJson, runFile } from './run-directory.ts';

/** The files a judgement writes; none may survive a judgement that failed. */
export const VERDICT_ARTEFACTS = ['verdict', 'junit', 'summary', 'report'] as const;

export interface JudgementErrorRecord {
  readonly verdict: Verdict;
  /** Set when the reports could not be drawn: they were removed instead. */
  readonly reportError?: string;
}

/**
 * Writes the error verdict and its reports into `dir`; returns undefined when
 * `dir` is not a run directory. Never throws: it runs while another error is
 * on its way to the user, and that error is the one to show.
 */
export async function recordJudgementError(
  dir: string,
  error: unknown,
  options: RenderReportsOptions = {},
): Promise<JudgementErrorRecord | undefined> {
  if (!isRunDirectory(dir)) return undefined;
  const verdict = judgementErrorVerdict({ ...whatRan(dir), reason: reasonOf(error) });
  try {
    await writeJsonAtomically(runFile(dir, 'verdict'), verdict);
    await renderReports(dir, options);
    return { verdict };
  } catch (failure) {
    // Half-written is worse than absent: a CI job treats a missing junit.xml as a failure.
    await Promise.all(VERDICT_ARTEFACTS.map((name) => rm(runFile(dir, name), { force: true }))).catch(
      () => {},
    );
    return { verdict, reportError: reasonOf(failure) };
  }
}

/** A directory holding anything `peakdrill run` or `check` writes. */
export function isRunDirectory(dir: string): boolean {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return false;
    names = readdirSync(dir);
  } catch {
    return false;
  }
  const known = new Set<string>(Object.values(RUN_FILES));
  return names.some((n) => (known.has(n) && n !== RUN_FILES.logs) || /^history(-.+)?\.ndjson$/.test(n));
}

/** Scenario, seed and run id as far as the damaged directory still tells them. */
function whatRan(dir: string): { scenario: string; seed: number; runId: string | null } {
  const loose = z.looseObject({
    name: z.string().optional(),
    scenario: z.string().optional(),
    seed: z.int().optional(),
    runId: z.string().optional(),
  });
  const read = (name: 'run' | 'scenario') => {
    try {
      return readRunJson(dir, name, loose);
    } catch {
      return undefined;
    }
  };
  const run = read('run');
  const scenario = read('scenario');
  return {
    scenario: scenario?.name ?? run?.scenario ?? 'unknown scenario',
    seed: run?.seed ?? scenario?.seed ?? 0,
    runId: run?.runId ?? null,
  };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
