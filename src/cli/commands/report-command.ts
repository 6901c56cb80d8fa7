// `peakdrill report <run-dir>`: draw junit.xml, summary.md and report.html again
// from what the run directory holds (after a report change, or for a run whose
// reports were lost), without judging it again; --open shows report.html.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderReports } from '../../report/render-reports.ts';
import { stackSecrets } from '../../report/stack-secrets.ts';
import { EXIT_OK, type PeakdrillCommand } from '../command.ts';
import { displayDir } from './check-command.ts';

interface ReportArgs {
  runDir: string;
  open: boolean;
}

export const reportCommand: PeakdrillCommand<ReportArgs> = {
  command: 'report <run-dir>',
  describe:
    'Write junit.xml, summary.md and report.html again from a run directory (its verdict.json as it is)',
  builder: (y) =>
    y
      .positional('run-dir', {
        type: 'string',
        demandOption: true,
        describe: 'the directory `peakdrill run` wrote (reports/<run-id>)',
      })
      .option('open', {
        type: 'boolean',
        default: false,
        describe: 'open report.html in the desktop browser ($BROWSER, else xdg-open or open)',
      }) as never,
  async run(args, ctx) {
    const dir = resolve(ctx.cwd, args.runDir);
    const where = displayDir(ctx, dir);
    const out = await renderReports(dir, { env: ctx.env, secrets: stackSecrets(ctx.env), displayDir: where });
    ctx.stdout.write(`verdict: ${out.verdict.status.toUpperCase()} — ${out.verdict.summary}\n`);
    for (const note of out.notes) ctx.stdout.write(`note: ${note}\n`);
    ctx.stdout.write(
      `report: ${where}/report.html\nsummary: ${where}/summary.md\njunit: ${where}/junit.xml\n`,
    );
    if (args.open) {
      const problem = await openInBrowser(out.report, ctx.env);
      if (problem !== undefined)
        ctx.stderr.write(
          `peakdrill: could not open the report (${problem}); open ${pathToFileURL(out.report).href} yourself\n`,
        );
    }
    return EXIT_OK;
  },
};

/** Starts the desktop browser on `file` and lets it run on its own; resolves with why not, if it could not. */
function openInBrowser(file: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const opener =
    env.BROWSER ||
    (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open');
  return new Promise((done) => {
    const child = spawn(opener, [file], { detached: true, stdio: 'ignore', env });
    child.once('error', (error) => done(`${opener}: ${error.message}`));
    child.once('spawn', () => {
      child.unref();
      done(undefined);
    });
  });
}
