// `peakdrill target list`: every registered target, what it can do, and which
// built-in scenarios it can run (a scenario needs every ability in `requires`).
import { ABILITIES } from '../../model/abilities.ts';
import { builtinScenarioNames, loadScenario } from '../../model/scenario-loader.ts';
import { missingAbilities } from '../../targets/scenario-needs.ts';
import { listTargets } from '../../targets/target-registry.ts';
import { EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';

interface TargetArgs {
  action: 'list';
  json: boolean;
}

export const targetCommand: PeakdrillCommand<TargetArgs> = {
  command: 'target <action>',
  describe: 'List the systems peakdrill can rehearse, what each can do and which scenarios it runs',
  builder: (y) =>
    y.positional('action', { choices: ['list'] as const, demandOption: true }).option('json', {
      type: 'boolean',
      default: false,
      describe: 'print { targets: [...] } as JSON',
    }) as never,
  async run(args, ctx) {
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
