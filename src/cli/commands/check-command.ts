// `peakdrill check <run-dir>`: judge a stored run again (its own histories, or
// the shards given with --history merged by time), write verdict.json and the
// reports. Exit 0 pass, 1 fail, 2 error — the same gate `peakdrill run` gives.
import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { PeakdrillError } from '../../model/errors.ts';
import { renderReports } from '../../report/render-reports.ts';
import { formatMeasured, redactValue, secretsFromEnv } from '../../report/report-format.ts';
import { stackSecrets } from '../../report/stack-secrets.ts';
import { checkRunDirectory } from '../../run/check-run.ts';
import { recordJudgementError } from '../../run/judgement-error.ts';
import { rollbackLine } from '../../verdict/rollback-decision.ts';
import type { Verdict } from '../../verdict/verdict-schema.ts';
import {
  type CommandContext,
  EXIT_ERROR,
  EXIT_FAILED,
  EXIT_OK,
  type PeakdrillCommand,
  printJson,
} from '../command.ts';

interface CheckArgs {
  runDir: string;
  history?: string[];
  json: boolean;
}

export const checkCommand: PeakdrillCommand<CheckArgs> = {
  command: 'check <run-dir>',
  describe:
    'Run the checkers over a stored run, write verdict.json and the reports, and exit 0 pass / 1 fail / 2 error',
  builder: (y) =>
    y
      .positional('run-dir', {
        type: 'string',
        demandOption: true,
        describe: 'the directory `peakdrill run` wrote (reports/<run-id>)',
      })
      .option('history', {
        type: 'string',
        array: true,
        describe:
          "histories to judge instead of the run directory's own, merged by time (e.g. shards from several machines)",
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print the verdict as JSON on stdout (the report path goes to stderr)',
      }) as never,
  async run(args, ctx) {
    const dir = resolve(ctx.cwd, args.runDir);
    const histories = args.history?.map((h) => resolve(ctx.cwd, h));
    // Refused before judging: a device or FIFO given as a history would be read forever.
    for (const h of histories ?? []) assertHistoryFile(h);
    const secrets = stackSecrets(ctx.env);
    let checked: Awaited<ReturnType<typeof checkRunDirectory>>;
    try {
      checked = await checkRunDirectory(dir, histories === undefined ? {} : { histories });
    } catch (error) {
      await replaceVerdictWithError(ctx, dir, error, { env: ctx.env, secrets, json: args.json });
      throw error;
    }
    // What CI logs show is held to the same rule as the reports: no secrets.
    const verdict = redactValue(checked.verdict, [...secrets, ...secretsFromEnv(ctx.env)]);
    const where = displayDir(ctx, dir);
    let reportError: Error | undefined;
    try {
      await renderReports(dir, {
        env: ctx.env,
        secrets,
        displayDir: where,
        ...(histories === undefined ? {} : { histories }),
      });
    } catch (error) {
      // The verdict stands (it is written); a report that could not be drawn is a harness error.
      reportError = error instanceof Error ? error : new Error(String(error));
    }
    if (args.json) printJson(ctx, verdict);
    else ctx.stdout.write(`${formatVerdict(verdict).join('\n')}\nrun directory: ${where}\n`);
    if (reportError !== undefined) {
      ctx.stderr.write(
        `peakdrill: the verdict is in ${where}/verdict.json, but the reports could not be written: ${reportError.message}\n  fix: run \`peakdrill report ${where}\` once the cause is fixed\n`,
      );
      return EXIT_ERROR;
    }
    (args.json ? ctx.stderr : ctx.stdout).write(`report: ${where}/report.html\n`);
    if (verdict.status === 'error') ctx.stderr.write(errorVerdictFix(verdict));
    return exitCodeFor(verdict);
  },
};

/**
 * A run that cannot be judged must not keep the verdict and reports of an
 * earlier judgement: they are replaced by an `error` verdict (a failing
 * junit.xml) before the error itself is reported (exit 2).
 */
async function replaceVerdictWithError(
  ctx: CommandContext,
  dir: string,
  error: unknown,
  options: { env: NodeJS.ProcessEnv; secrets: readonly string[]; json: boolean },
): Promise<void> {
  const where = displayDir(ctx, dir);
  const recorded = await recordJudgementError(dir, error, {
    env: options.env,
    secrets: options.secrets,
    displayDir: where,
  });
  if (recorded === undefined) return;
  if (options.json)
    printJson(ctx, redactValue(recorded.verdict, [...options.secrets, ...secretsFromEnv(options.env)]));
  ctx.stderr.write(
    recorded.reportError === undefined
      ? `peakdrill: ${where}/verdict.json and the reports now say ERROR (the run could not be judged)\n`
      : `peakdrill: ${where}/verdict.json says ERROR; the old reports were removed (${recorded.reportError})\n`,
  );
}

/** An error verdict is a harness outcome like any other: it says what to do. */
function errorVerdictFix(verdict: Verdict): string {
  const damage = verdict.run.damage;
  const fix =
    damage !== undefined
      ? `${damage.file}:${damage.line} is not a history line: pass the run's own history (history*.ndjson), or run the scenario again; a history cut short by a killed run cannot pass`
      : "see the run directory's logs/ for why the run did not finish, then run the scenario again";
  return `peakdrill: the run cannot be judged: ${verdict.summary}\n  fix: ${fix}\n`;
}

function assertHistoryFile(path: string): void {
  let why: string | undefined;
  try {
    why = statSync(path).isFile() ? undefined : 'it is not a regular file';
  } catch (error) {
    why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
  }
  if (why === undefined) return;
  throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `--history ${path}: ${why}`, {
    hint: 'pass history files (history*.ndjson) that `peakdrill run` wrote, e.g. copied from each shard',
  });
}

export function exitCodeFor(verdict: Verdict): number {
  if (verdict.status === 'pass') return EXIT_OK;
  return verdict.status === 'fail' ? EXIT_FAILED : EXIT_ERROR;
}

/** The status line, then one line per assertion: what CI logs show. */
export function formatVerdict(verdict: Verdict): string[] {
  const lines = [`verdict: ${verdict.status.toUpperCase()} — ${verdict.summary}`];
  if (verdict.rollback !== undefined) lines.push(rollbackLine(verdict.rollback));
  for (const a of verdict.assertions) {
    lines.push(`  ${a.result.padEnd(7)} ${a.name} ${a.threshold}  (measured ${formatMeasured(a)})`);
  }
  return lines;
}

export function displayDir(ctx: CommandContext, dir: string): string {
  const rel = relative(ctx.cwd, dir);
  return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
}
