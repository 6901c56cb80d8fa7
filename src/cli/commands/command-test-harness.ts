// Runs one command module the way the CLI does (yargs parses argv with the
// command's own builder, then run()) with captured stdout and stderr, so a
// command can be tested before it is registered in commands/index.ts.
import { PassThrough } from 'node:stream';
import yargs from 'yargs';
import type { CommandContext, PeakdrillCommand } from '../command.ts';

export async function runCommandForTest<A>(
  command: PeakdrillCommand<A>,
  argv: string[],
  cwd: string,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const ctx: CommandContext = { stdout, stderr, env: {}, cwd, isTty: false };
  let code = -1;
  await yargs(argv)
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .command({
      command: command.command as string,
      describe: command.describe,
      builder: (y) => command.builder(y),
      handler: async (args) => {
        code = await command.run(args as A, ctx);
      },
    })
    .parseAsync();
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}

/** The whole CLI (registration, error handling, exit codes) in-process, with captured output. */
export async function runMainForTest(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  // Imported here so a command's own tests do not load every other command.
  const { main } = await import('../main.ts');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const code = await main(argv, { stdout, stderr, env, cwd, isTty: false });
  return { code, stdout: out, stderr: err };
}
