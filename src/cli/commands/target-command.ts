// `peakdrill target list`: every registered target, what it can do, and which
// built-in scenarios it can run (a scenario needs every ability in `requires`).

import { resolve } from 'node:path';
import { ABILITIES } from '../../model/abilities.ts';
import { PeakdrillError } from '../../model/errors.ts';
import { builtinScenarioNames, loadScenario } from '../../model/scenario-loader.ts';
import { loadExternalConfig } from '../../targets/external/external-config.ts';
import { checkSites } from '../../targets/external/target-probe.ts';
import { missingAbilities } from '../../targets/scenario-needs.ts';
import { listTargets } from '../../targets/target-registry.ts';
import { type CommandContext, EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';

interface TargetArgs {
  action: 'list' | 'check';
  config?: string;
  json: boolean;
}

export const targetCommand: PeakdrillCommand<TargetArgs> = {
  command: 'target <action> [config]',
  describe:
    'list: the systems peakdrill can rehearse, what each can do and which scenarios it runs; check <config>: validate a target config and ask every site',
  builder: (y) =>
    y
      .positional('action', { choices: ['list', 'check'] as const, demandOption: true })
      .positional('config', { type: 'string', describe: 'a target config (.json or .yaml), for check' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }) as never,
  async run(args, ctx) {
    if (args.action === 'check') return checkConfig(args, ctx);
    const scenarios = await Promise.all(
      builtinScenarioNames().map(async (name) => (await loadScenario(name, ctx.cwd)).scenario),
    );
    const targets = listTargets().map((t) => ({
      name: t.name,
      description: t.description,
      abilities: ABILITIES.filter((a) => t.abilities.has(a)),
      lacks: ABILITIES.filter((a) => !t.abilities.has(a)),
      scenarios: scenarios.filter((s) => missingAbilities(s, t).length === 0).map((s) => s.name),
    }));
    if (args.json) printJson(ctx, { targets });
    else {
      for (const t of targets) {
        ctx.stdout.write(
          `${t.name}: ${t.description}\n  can: ${t.abilities.join(', ')}\n` +
            `  lacks: ${t.lacks.join(', ') || '-'}\n  runs: ${t.scenarios.join(', ') || '-'}\n`,
        );
      }
    }
    return EXIT_OK;
  },
};

async function checkConfig(args: TargetArgs, ctx: CommandContext): Promise<number> {
  if (args.config === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', '`target check` needs the path of a target config', {
      hint: 'peakdrill target check ./my-target.json',
    });
  }
  const config = loadExternalConfig(resolve(ctx.cwd, args.config));
  const sites = await checkSites(config);
  if (args.json) printJson(ctx, { target: config.name, sites });
  else {
    for (const s of sites)
      ctx.stdout.write(
        `${s.reachable ? 'ok         ' : 'UNREACHABLE'} site ${s.site} ${s.url}: ${s.detail}\n`,
      );
  }
  const down = sites.filter((s) => !s.reachable);
  if (down.length > 0) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_UNREACHABLE',
      `target ${config.name}: ${down.map((s) => `site ${s.site} (${s.url}) did not answer: ${s.detail}`).join('; ')}`,
      {
        hint: `start the service at ${down.map((s) => s.url).join(', ')}, or correct sites.${down[0]!.site}.url in ${args.config}`,
      },
    );
  }
  return EXIT_OK;
}
