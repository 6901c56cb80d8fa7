// `peakdrill generate`: write a synthetic recording for a profile and seed to
// a file (gzip when it ends in .gz) or to stdout; optionally the catalog it
// assumes, so the system under test can be seeded to match.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { catalogFor, generateRecording, PROFILE_NAMES } from '../../../recorders/synthetic-generator.ts';
import { parseDurationMs } from '../../model/duration.ts';
import { PeakdrillError } from '../../model/errors.ts';
import { writeRecording, writeRecordingToStream } from '../../recording/recording-writer.ts';
import { type CommandContext, EXIT_OK, type PeakdrillCommand } from '../command.ts';
import { seedFromText } from '../option-checks.ts';
import { checkOutputFile, outputWriteError } from '../output-file.ts';

interface GenerateArgs {
  profile: string;
  seed: number;
  duration?: string;
  stores?: number;
  skus?: number;
  startTime?: string;
  out?: string;
  gzip: boolean;
  catalog?: string;
}

export const generateCommand: PeakdrillCommand<GenerateArgs> = {
  command: 'generate',
  describe: 'Generate a production-shaped synthetic recording (deterministic for a profile and seed)',
  builder: (y) =>
    y
      .option('profile', {
        type: 'string',
        choices: PROFILE_NAMES,
        demandOption: true,
        describe: 'traffic profile',
      })
      .option('seed', {
        type: 'string',
        demandOption: true,
        describe: 'PRNG seed (0-4294967295): same seed, same bytes',
      })
      .option('duration', {
        type: 'string',
        describe: "window length, e.g. '30s', '10m', '2h' (default per profile)",
      })
      .option('stores', { type: 'number', describe: 'physical stores S001.. (default per profile)' })
      .option('skus', { type: 'number', describe: 'catalog size (default per profile)' })
      .option('start-time', {
        type: 'string',
        describe: 'ISO time of t=0 (default: a fixed date per profile)',
      })
      .option('out', { type: 'string', describe: 'recording file; .gz compresses; stdout when omitted' })
      .option('gzip', { type: 'boolean', default: false, describe: 'compress stdout output too' })
      .option('catalog', {
        type: 'string',
        describe: 'also write the assumed catalog (SKUs, prices, stock) as JSON here',
      })
      .middleware(seedFromText) as never,
  async run(args, ctx: CommandContext) {
    const durationS = args.duration === undefined ? undefined : toSeconds(args.duration);
    // Resolved against the command's working directory, and checked before any event is generated.
    const out = args.out === undefined ? undefined : resolve(ctx.cwd, args.out);
    const catalog = args.catalog === undefined ? undefined : resolve(ctx.cwd, args.catalog);
    if (out !== undefined) checkOutputFile(out, '--out');
    if (catalog !== undefined) checkOutputFile(catalog, '--catalog');
    const recording = generateRecording({
      profile: args.profile,
      seed: args.seed,
      durationS,
      stores: args.stores,
      skus: args.skus,
      startTime: args.startTime,
    });
    let result: { events: number };
    try {
      result =
        out === undefined
          ? await writeRecordingToStream(ctx.stdout, recording.header, recording.events, { gzip: args.gzip })
          : await writeRecording(out, recording.header, recording.events, {
              gzip: args.gzip || out.endsWith('.gz'),
            });
    } catch (error) {
      // `peakdrill generate ... | head` closes the pipe early: that is the reader's choice, not a failure.
      if ((error as { code?: unknown }).code === 'EPIPE') return EXIT_OK;
      throw out === undefined ? error : await outputWriteError(out, '--out', error);
    }
    if (catalog !== undefined) {
      const text = `${JSON.stringify(catalogFor(recording.options), null, 2)}\n`;
      await writeFile(catalog, text).catch(async (error: unknown) => {
        throw await outputWriteError(catalog, '--catalog', error);
      });
    }
    const o = recording.options;
    ctx.stderr.write(
      `generated ${result.events.toLocaleString('en-US')} events: ${o.profile}, seed ${o.seed}, ${o.durationS} s, ` +
        `${o.stores} stores, ${o.skus} SKUs → ${args.out ?? 'stdout'}\n`,
    );
    return EXIT_OK;
  },
};

function toSeconds(text: string): number {
  const ms = parseDurationMs(text, '--duration');
  if (ms < 1000 || ms % 1000 !== 0)
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_INPUT',
      `--duration: "${text}" must be whole seconds, at least 1s`,
      { hint: 'e.g. --duration 30s, --duration 10m or --duration 2h' },
    );
  return ms / 1000;
}
