// The shape every CLI command module exports. Commands stay thin: they parse,
// call a library function, print, and return an exit code (0 ok, 1 a check or
// assertion failed, 2 harness or usage error).
import type { Argv } from 'yargs';

export interface CommandContext {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Set when the command should print JSON only. */
  readonly isTty: boolean;
}

export interface PeakdrillCommand<A = Record<string, unknown>> {
  readonly command: string | readonly string[];
  readonly describe: string;
  builder(yargs: Argv): Argv<A>;
  run(args: A, context: CommandContext): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_ERROR = 2;

export function printJson(context: CommandContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A command with its argument type erased, so commands of different shapes share one list. */
export interface RegisteredCommand {
  readonly command: string | readonly string[];
  readonly describe: string;
  builder(yargs: Argv): Argv;
  run(args: unknown, context: CommandContext): Promise<number>;
}

export function registerCommand<A>(command: PeakdrillCommand<A>): RegisteredCommand {
  // Sound because yargs hands run() exactly what this command's builder declared.
  return command as unknown as RegisteredCommand;
}
