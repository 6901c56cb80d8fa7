// Writes junit.xml, summary.md and report.html from what a run directory holds.
// verdict.json is required; run.json, catalog.json, state.json and the history
// may be missing or damaged (a run that errored early) and the reports then say
// what is missing instead of failing. Every file goes through secret redaction
// and is written atomically, so a CI step never uploads half a report.
import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { z } from 'zod';
import { PeakdrillError } from '../model/errors.ts';
import {
  catalogFileSchema,
  historyPaths,
  RUN_FILES,
  type RunInfo,
  readRunJson,
  runFile,
  runInfoSchema,
} from '../run/run-directory.ts';
import { writeFileAtomically } from '../support/atomic-write.ts';
import { type Verdict, verdictSchema } from '../verdict/verdict-schema.ts';
import { renderHtmlReport } from './html-report.ts';
import { renderJunitXml } from './junit-report.ts';
import { redactSecrets, redactValue, secretsFromEnv } from './report-format.ts';
import { buildRunTimeline, type RunTimeline } from './run-timeline.ts';
import { renderSummaryMarkdown } from './summary-report.ts';

export interface RenderReportsOptions {
  /** Secrets are also taken from this environment's PASSWORD/SECRET/TOKEN… variables (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Values that must never appear in a report, e.g. the stack's database password. */
  readonly secrets?: readonly string[];
  /** Histories to chart instead of the run directory's own (e.g. shards from other machines). */
  readonly histories?: readonly string[];
  /** The run directory as summary.md should name it (default: relative to the working directory). */
  readonly displayDir?: string;
}

export interface RenderedReports {
  readonly junit: string;
  readonly summary: string;
  readonly report: string;
  /** As the reports show it: secrets redacted. */
  readonly verdict: Verdict;
  /** What the reports had to do without. */
  readonly notes: readonly string[];
}

/** A chart point per second up to two hours; longer runs get wider buckets. */
const MAX_POINTS = 7_200;

export async function renderReports(
  runDir: string,
  options: RenderReportsOptions = {},
): Promise<RenderedReports> {
  const secrets = [...(options.secrets ?? []), ...secretsFromEnv(options.env ?? process.env)];
  const verdict = readRunJson(runDir, 'verdict', verdictSchema);
  if (verdict === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${runDir} has no ${RUN_FILES.verdict} to report on`, {
      hint: `run \`peakdrill check ${runDir}\` first: it judges the run and writes the verdict`,
    });
  }
  const notes: string[] = [];
  const run = optional(
    runDir,
    'run',
    runInfoSchema,
    notes,
    'what ran (defect, engine, versions, times) is not shown',
  );
  const catalog = optional(
    runDir,
    'catalog',
    catalogFileSchema,
    notes,
    'the stock of the hot SKUs is not charted',
  );
  const scenarioJson = optional(
    runDir,
    'scenario',
    z.unknown(),
    notes,
    'the scenario description is not shown',
  );
  if (!existsSync(runFile(runDir, 'state'))) {
    notes.push(
      `No ${RUN_FILES.state}: the oracle did not read the SUT's final state, so checkers that need it could not decide.`,
    );
  }
  if (run !== undefined && run.status !== 'completed') {
    notes.push(
      `The run ended ${run.status}${run.reason ? `: ${run.reason}` : ''}. Its history and checker results are partial.`,
    );
  }

  let timeline: RunTimeline | undefined;
  let timelineError: string | undefined;
  try {
    const paths = options.histories ?? historyPaths(runDir);
    timeline = await buildRunTimeline(paths, {
      catalog,
      bucketMs: bucketMsFor(run),
      // The run's target says which answers are the business saying no (absent: the reference store's).
      ...(run?.businessRejections === undefined ? {} : { businessCodes: run.businessRejections }),
    });
  } catch (error) {
    timelineError = error instanceof Error ? error.message : String(error);
    notes.push(`No timeline: ${timelineError}`);
  }

  const safe = redactValue(
    { verdict, run, timeline, timelineError, notes, scenario: scenarioInfo(scenarioJson) },
    secrets,
  );
  const displayDir = options.displayDir ?? displayPath(runDir);
  const junit = redactSecrets(renderJunitXml(safe.verdict, safe.run), secrets);
  const summary = redactSecrets(
    renderSummaryMarkdown(safe.verdict, { run: safe.run, runDir: displayDir }),
    secrets,
  );
  const report = renderHtmlReport(
    {
      verdict: safe.verdict,
      run: safe.run,
      scenario: safe.scenario,
      timeline: safe.timeline,
      timelineError: safe.timelineError,
      notes: safe.notes,
    },
    { secrets },
  );
  await Promise.all([
    writeFileAtomically(runFile(runDir, 'junit'), junit),
    writeFileAtomically(runFile(runDir, 'summary'), summary),
    writeFileAtomically(runFile(runDir, 'report'), report),
  ]);
  return {
    junit: runFile(runDir, 'junit'),
    summary: runFile(runDir, 'summary'),
    report: runFile(runDir, 'report'),
    verdict: safe.verdict,
    notes: safe.notes,
  };
}

/** A file the reports can do without: absent or unreadable, it becomes a note. */
function optional<T>(
  dir: string,
  name: 'run' | 'catalog' | 'scenario',
  schema: z.ZodType<T>,
  notes: string[],
  consequence: string,
): T | undefined {
  try {
    const value = readRunJson(dir, name, schema);
    if (value === undefined) notes.push(`No ${RUN_FILES[name]}: ${consequence}.`);
    return value;
  } catch (error) {
    notes.push(`${RUN_FILES[name]} is unreadable (${(error as Error).message}): ${consequence}.`);
    return undefined;
  }
}

function scenarioInfo(json: unknown): { name?: string; description?: string } | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { name, description } = json as Record<string, unknown>;
  return {
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof description === 'string' ? { description } : {}),
  };
}

function bucketMsFor(run: RunInfo | undefined): number {
  if (run?.endedAt === undefined) return 1_000;
  const ms = Date.parse(run.endedAt) - Date.parse(run.startedAt);
  if (!Number.isFinite(ms) || ms <= MAX_POINTS * 1_000) return 1_000;
  return Math.ceil(ms / MAX_POINTS / 1_000) * 1_000;
}

function displayPath(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? dir : rel;
}
