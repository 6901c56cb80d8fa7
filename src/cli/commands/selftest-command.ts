// `peakdrill selftest`: runs the detection matrix on the local stack — every
// built-in scenario against the correct store (no false alarm) and each seeded
// defect under the scenario that should expose it (its checker must fail, with
// evidence). Exit 0 only when every cell is as expected.
import { join, resolve } from 'node:path';
import { PeakdrillError } from '../../model/errors.ts';
import { loadScenario } from '../../model/scenario-loader.ts';
import { type CellOutcome, detectionMatrix, judgeCell, type MatrixCell } from '../../run/detection-matrix.ts';
import { newRunId, runScenario } from '../../run/run-scenario.ts';
import {
  type CommandContext,
  EXIT_ERROR,
  EXIT_FAILED,
  EXIT_OK,
  type PeakdrillCommand,
  printJson,
} from '../command.ts';
import { checkOutputDirectory } from '../output-file.ts';

interface SelftestArgs {
  out: string;
  json: boolean;
  only?: string[];
}

interface CellReport {
  readonly scenario: string;
  readonly defect: string | null;
  readonly expected: 'pass' | 'fail';
  readonly got: CellOutcome['got'];
  readonly checker: string | null;
  readonly ok: boolean;
  readonly why: string;
  readonly runDir: string;
  readonly seconds: number;
}

export const selftestCommand: PeakdrillCommand<SelftestArgs> = {
  command: 'selftest',
  describe:
    'Prove the harness: no false alarm on the correct store, every seeded defect caught by its checker',
  builder: (y) =>
    y
      .option('out', {
        type: 'string',
        default: join('reports', 'selftest'),
        describe: 'where the cells’ runs land',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the cells as JSON' })
      .option('only', {
        type: 'string',
        array: true,
        describe: 'run only cells whose scenario or defect is named (e.g. --only correct flash-sale)',
      }) as never,
  async run(args, ctx) {
    const cells = detectionMatrix().filter(
      (c) =>
        args.only === undefined || args.only.some((o) => o === c.scenario || o === (c.defect ?? 'correct')),
    );
    // An --only that matches nothing would pass an empty matrix: exit 0 having proved nothing.
    if (cells.length === 0) {
      const names = [...new Set(detectionMatrix().flatMap((c) => [c.scenario, c.defect ?? 'correct']))];
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `--only ${args.only?.join(' ')} matches no cell`, {
        hint: `name scenarios or defects among: ${names.join(', ')}`,
      });
    }
    const out = resolve(ctx.cwd, args.out);
    checkOutputDirectory(out, '--out');
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      ctx.stderr.write(`peakdrill: ${signal}: stopping the self-test after healing the current run\n`);
      controller.abort(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const reports: CellReport[] = [];
    try {
      for (const cell of cells) {
        if (controller.signal.aborted) break;
        ctx.stderr.write(`selftest: ${label(cell)} …\n`);
        reports.push(await runCell(cell, out, controller.signal, ctx));
        const r = reports.at(-1)!;
        ctx.stderr.write(
          `selftest: ${label(cell)}: ${r.ok ? 'as expected' : 'NOT as expected'} (${r.got}) in ${r.seconds} s\n`,
        );
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (args.json) {
      printJson(ctx, {
        ok: reports.every((r) => r.ok) && reports.length === cells.length,
        cells: reports,
      });
    } else {
      ctx.stdout.write(`${formatMatrix(reports)}\n`);
    }
    if (controller.signal.aborted || reports.length < cells.length) return EXIT_ERROR;
    if (reports.some((r) => r.got === 'error' && r.expected === 'pass')) return EXIT_ERROR;
    return reports.every((r) => r.ok) ? EXIT_OK : EXIT_FAILED;
  },
};

function label(cell: MatrixCell): string {
  return `${cell.scenario} × ${cell.defect ?? 'correct store'}`;
}

async function runCell(
  cell: MatrixCell,
  out: string,
  signal: AbortSignal,
  ctx: CommandContext,
): Promise<CellReport> {
  const started = performance.now();
  const { scenario } = await loadScenario(cell.scenario, ctx.cwd);
  const runId = newRunId(`${cell.scenario}-${cell.defect ?? 'correct'}`);
  const result = await runScenario({
    scenario,
    defect: cell.defect ?? undefined,
    stack: 'local',
    outDir: out,
    runId,
    signal,
    env: ctx.env,
    log: (line) => ctx.stderr.write(`  ${line}\n`),
  });
  const judged = judgeCell(cell, result.verdict);
  return {
    scenario: cell.scenario,
    defect: cell.defect,
    expected: cell.expected,
    got: judged.got,
    checker: cell.checker,
    ok: judged.ok,
    why: judged.why,
    runDir: result.runDir,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

export function formatMatrix(reports: readonly CellReport[]): string {
  const rows = reports.map((r) => [
    r.scenario,
    r.defect ?? '(correct)',
    r.expected === 'pass' ? 'pass' : `fail: ${r.checker}`,
    r.got === 'fail' ? 'fail' : r.got,
    r.ok ? 'ok' : 'WRONG',
    r.why.length > 90 ? `${r.why.slice(0, 87)}…` : r.why,
  ]);
  const header = ['scenario', 'defect', 'expected', 'got', 'cell', 'why'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cols: string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const ok = reports.filter((r) => r.ok).length;
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${ok} of ${reports.length} cells as expected`,
  ].join('\n');
}
