// `peakdrill setup`: install PostgreSQL, Kafka, Toxiproxy, k6 and chromium (idempotent);
// `--vendure` also installs the Vendure target ahead of time (it otherwise installs on first use).
import { setupToolchain } from '../../stack/toolchain/setup.ts';
import { ensureVendure } from '../../targets/vendure/vendure-installer.ts';
import { type CommandContext, EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';
import { formatToolTable } from './doctor-command.ts';

interface SetupArgs {
  json: boolean;
  vendure: boolean;
}

export const setupCommand: PeakdrillCommand<SetupArgs> = {
  command: 'setup',
  describe:
    'Install the pinned PostgreSQL, Kafka, Toxiproxy and k6 under ~/.cache/peakdrill, and chromium for the report tests (idempotent)',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .option('vendure', {
        type: 'boolean',
        default: false,
        describe:
          'also install the Vendure target (~140 MB, from the npm registry); without it Vendure installs on first use',
      }) as never,
  async run(args, ctx: CommandContext) {
    const log = (line: string) => ctx.stderr.write(`${line}\n`);
    const result = await setupToolchain(ctx.env, log);
    // After the toolchain: a registry problem here must not hide the stack's own problems.
    const vendure = args.vendure ? await ensureVendure(ctx.env, log) : undefined;
    if (args.json)
      printJson(ctx, { tools: result.tools, durationMs: result.durationMs, ...(vendure ? { vendure } : {}) });
    else
      ctx.stdout.write(
        `${formatToolTable(result.tools)}\n${vendure ? `vendure ${vendure.version} in ${vendure.dir}\n` : ''}setup finished in ${(result.durationMs / 1000).toFixed(1)} s\n`,
      );
    return EXIT_OK;
  },
};
