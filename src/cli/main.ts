// The peakdrill command line: yargs wiring, one module per command under
// commands/, and the one place where errors become messages and exit codes.
import yargs, { type Argv } from 'yargs';
import { isPeakdrillError } from '../model/errors.ts';
import { type CommandContext, EXIT_ERROR } from './command.ts';
import { commands } from './commands/index.ts';

class UsageError extends Error {}

export async function main(argv: readonly string[], context: Partial<CommandContext> = {}): Promise<number> {
  const ctx: CommandContext = {
    stdout: context.stdout ?? process.stdout,
    stderr: context.stderr ?? process.stderr,
    env: context.env ?? process.env,
    cwd: context.cwd ?? process.cwd(),
    isTty: context.isTty ?? Boolean(process.stdout.isTTY),
  };
  let exitCode = 0;
  let parser: Argv = yargs([...argv])
    .scriptName('peakdrill')
    .usage(
      '$0 <command> [options]\n\nRehearse a retail peak: replay traffic, inject faults, prove the invariants.',
    )
    .strict()
    .demandCommand(1, 'Name a command: peakdrill --help lists them.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      // Throwing stops yargs before any command handler runs.
      throw new UsageError(message);
    });
  for (const cmd of commands) {
    parser = parser.command({
      command: cmd.command as string | string[],
      describe: cmd.describe,
      builder: (y: Argv) => cmd.builder(y),
      handler: async (args: unknown) => {
        exitCode = await cmd.run(args, ctx);
      },
    });
  }
  try {
    await parser.parseAsync();
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.stderr.write(
        `peakdrill: ${error.message}\nRun \`peakdrill --help\` for the commands and options.\n`,
      );
      return EXIT_ERROR;
    }
    return reportError(error, ctx);
  }
  return exitCode;
}

function reportError(error: unknown, ctx: CommandContext): number {
  if (isPeakdrillError(error)) {
    ctx.stderr.write(`peakdrill: ${error.message}\n`);
    if (error.hint) ctx.stderr.write(`  fix: ${error.hint}\n`);
    ctx.stderr.write(`  (${error.code})\n`);
  } else {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    ctx.stderr.write(`peakdrill: unexpected error: ${message}\n`);
  }
  return EXIT_ERROR;
}
