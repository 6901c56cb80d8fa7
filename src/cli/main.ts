// The peakdrill command line: yargs wiring, one module per command under
// commands/, and the one place where errors become messages and exit codes.
import yargs, { type Argv } from 'yargs';
import { isPeakdrillError } from '../model/errors.ts';
import { type CommandContext, EXIT_ERROR } from './command.ts';
import { commands } from './commands/index.ts';

class UsageError extends Error {
  readonly fix: string | undefined;
  constructor(message: string, fix?: string) {
    super(message);
    this.fix = fix;
  }
}

/**
 * No peakdrill option takes a negative value, and yargs reads `--duration -5m`
 * as the flags -5 and -m ("Unknown arguments: 5, m"). Such a value is refused
 * here, naming the option. A plain negative number (`--speed -1`) is left to
 * yargs, which reads it as the value, and to the option's own check.
 */
function negativeValueProblem(argv: readonly string[]): UsageError | undefined {
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i - 1]!;
    const value = argv[i]!;
    const isFlag = /^--?[A-Za-z]/.test(flag) && !flag.includes('=');
    if (isFlag && /^-\d/.test(value) && !/^-\d+(\.\d+)?$/.test(value)) {
      return new UsageError(
        `${flag} ${value}: "${value}" is negative, and no option takes a negative value`,
        `give ${flag} a positive value, e.g. ${flag} ${value.slice(1)}`,
      );
    }
  }
  return undefined;
}

/**
 * yargs turns a repeated single-value option (`--duration 2s --duration 3s`)
 * into an array that the command then trips over; only options declared as
 * lists may repeat.
 */
function rejectRepeatedOptions(y: Argv): Argv {
  // getOptions() is public yargs API that its typings leave out.
  const lists = new Set((y as unknown as { getOptions(): { array: string[] } }).getOptions().array);
  return y.check((args) => {
    for (const [key, value] of Object.entries(args)) {
      if (key === '_' || key === '$0' || !Array.isArray(value) || lists.has(key)) continue;
      if (!/^[a-z][a-z0-9-]*$/.test(key)) continue; // yargs' camelCase copy of the same option
      throw new UsageError(
        `--${key} is given ${value.length} times (${value.join(', ')}); it takes one value`,
      );
    }
    return true;
  });
}

function usageFix(argv: readonly string[]): string {
  const name = argv.find((a) => !a.startsWith('-'));
  const known = name !== undefined && commands.some((c) => String(c.command).split(' ')[0] === name);
  return known
    ? `see \`peakdrill ${name} --help\` for its arguments and options (\`peakdrill --help\` lists the commands)`
    : 'see `peakdrill --help` for the commands and options';
}

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
      // Only parsing and the commands' .check()s land here (handler errors are caught below),
      // so a plain Error is a usage problem whose message is meant for the user.
      if (isPeakdrillError(error)) throw error;
      // Throwing stops yargs before any command handler runs.
      throw new UsageError(message ?? error?.message ?? 'invalid arguments');
    });
  // Caught here rather than by .fail(): a handler's unexpected error must stay one (with its stack).
  let handlerError: { error: unknown } | undefined;
  for (const cmd of commands) {
    parser = parser.command({
      command: cmd.command as string | string[],
      describe: cmd.describe,
      builder: (y: Argv) => rejectRepeatedOptions(cmd.builder(y)),
      handler: async (args: unknown) => {
        try {
          exitCode = await cmd.run(args, ctx);
        } catch (error) {
          handlerError = { error };
        }
      },
    });
  }
  try {
    const negative = negativeValueProblem(argv);
    if (negative !== undefined) throw negative;
    await parser.parseAsync();
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.stderr.write(`peakdrill: ${error.message}\n  fix: ${error.fix ?? usageFix(argv)}\n`);
      return EXIT_ERROR;
    }
    return reportError(error, ctx);
  }
  return handlerError === undefined ? exitCode : reportError(handlerError.error, ctx);
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
