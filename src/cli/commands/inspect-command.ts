// `peakdrill inspect <recording>`: what a recording holds — rate over time,
// kinds, SKU concentration, tenders, bad lines — as text or JSON. Exit 1 when
// --skip-invalid found bad lines, 2 when the recording cannot be read.
import { formatInspection, inspectRecording } from '../../recording/recording-inspector.ts';
import { type CommandContext, EXIT_FAILED, EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';

interface InspectArgs {
  recording: string;
  json: boolean;
  skipInvalid: boolean;
}

export const inspectCommand: PeakdrillCommand<InspectArgs> = {
  command: 'inspect <recording>',
  describe: 'Summarise a recording: events per second, kinds, SKU concentration, stores, tender mix',
  builder: (y) =>
    y
      .positional('recording', {
        type: 'string',
        demandOption: true,
        describe: 'NDJSON recording (plain or gzip)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' })
      .option('skip-invalid', {
        type: 'boolean',
        default: false,
        describe: 'count and sample bad lines instead of stopping at the first',
      }) as never,
  async run(args, ctx: CommandContext) {
    const result = await inspectRecording(args.recording, { skipInvalid: args.skipInvalid });
    if (args.json) printJson(ctx, result);
    else ctx.stdout.write(`${formatInspection(result)}\n`);
    return (result.invalid?.count ?? 0) > 0 ? EXIT_FAILED : EXIT_OK;
  },
};
