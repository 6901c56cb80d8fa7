// `peakdrill doctor`: what is installed, which version, where, and the fix.
import type { ToolStatus } from '../../stack/toolchain/tool-locator.ts';
import { locateTools } from '../../stack/toolchain/tool-locator.ts';
import { type CommandContext, EXIT_ERROR, EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';

interface DoctorArgs {
  json: boolean;
}

export function formatToolTable(tools: readonly ToolStatus[]): string {
  return tools
    .map((t) => {
      const head = `${t.found ? 'ok     ' : 'MISSING'} ${t.name.padEnd(10)} ${(t.version ?? '-').padEnd(10)}`;
      return t.found
        ? `${head} ${t.path}${t.detail ? `  (${t.detail})` : ''}`
        : `${head} want ${t.expectedVersion}: ${t.fix}`;
    })
    .join('\n');
}

export const doctorCommand: PeakdrillCommand<DoctorArgs> = {
  command: 'doctor',
  describe: 'Report each tool peakdrill needs: found or not, version, path, and what to do if missing',
  builder: (y) =>
    y.option('json', {
      type: 'boolean',
      default: false,
      describe: 'print { tools: [...] } as JSON',
    }) as never,
  async run(args, ctx: CommandContext) {
    const tools = await locateTools(ctx.env);
    if (args.json) printJson(ctx, { tools });
    else ctx.stdout.write(`${formatToolTable(tools)}\n`);
    return tools.every((t) => t.found) ? EXIT_OK : EXIT_ERROR;
  },
};
