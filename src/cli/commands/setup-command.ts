// `peakdrill setup`: install PostgreSQL, Kafka, Toxiproxy, k6 and chromium (idempotent).
import { setupToolchain } from '../../stack/toolchain/setup.ts';
import { type CommandContext, EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';
import { formatToolTable } from './doctor-command.ts';

interface SetupArgs {
  json: boolean;
}

export const setupCommand: PeakdrillCommand<SetupArgs> = {
  command: 'setup',
  describe:
    'Install the pinned PostgreSQL, Kafka, Toxiproxy and k6 under ~/.cache/peakdrill, and chromium for the report tests (idempotent)',
  builder: (y) =>
    y.option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }) as never,
  async run(args, ctx: CommandContext) {
    const log = (line: string) => ctx.stderr.write(`${line}\n`);
    const result = await setupToolchain(ctx.env, log);
    if (args.json) printJson(ctx, { tools: result.tools, durationMs: result.durationMs });
    else
      ctx.stdout.write(
        `${formatToolTable(result.tools)}\nsetup finished in ${(result.durationMs / 1000).toFixed(1)} s\n`,
      );
    return EXIT_OK;
  },
};
