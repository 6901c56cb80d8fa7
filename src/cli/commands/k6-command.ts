// `peakdrill k6 export <scenario> --out DIR`: the scenario's HTTP traffic as a
// k6 test that runs with plain `k6 run` (script.ts, ops.json, seed.json, a
// README) and on Kubernetes with the k6-operator (configmap.yaml, testrun.yaml).
import { relative, resolve } from 'node:path';
import { CONFIGMAP_LIMIT_BYTES, exportK6Scenario } from '../../engines/k6/k6-export.ts';
import { loadScenario } from '../../model/scenario-loader.ts';
import { type CommandContext, EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';
import { checkSpeed, seedFromText } from '../option-checks.ts';
import { checkOutputDirectory } from '../output-file.ts';

interface K6Args {
  action: 'export';
  scenario: string;
  out: string;
  parallelism: number;
  seed?: number;
  speed?: number;
  baseUrl?: string[];
  json: boolean;
}

export const k6Command: PeakdrillCommand<K6Args> = {
  command: 'k6 <action> <scenario>',
  describe: "Export a scenario's HTTP traffic as a k6 script (plain k6 run, or the k6-operator)",
  builder: (y) =>
    y
      .positional('action', { choices: ['export'] as const, describe: 'export: write the k6 test' })
      .positional('scenario', {
        type: 'string',
        demandOption: true,
        describe: 'a built-in scenario (flash-sale, …) or a path to a scenario module',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'directory to write the test into' })
      .option('parallelism', {
        type: 'number',
        default: 1,
        describe: 'k6-operator runners in testrun.yaml (each runs one execution segment)',
      })
      .option('seed', {
        type: 'string',
        describe: "the generator's and plan shaping's seed (default: the scenario's)",
      })
      .option('speed', {
        type: 'number',
        describe: "replay this many times faster (default: the scenario's)",
      })
      .option('base-url', {
        type: 'string',
        array: true,
        describe: 'the store, one per region, preferred first (default http://127.0.0.1:8080)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print what was written as JSON' })
      .check((a) => {
        if (!(Number.isInteger(a.parallelism) && a.parallelism >= 1))
          throw new Error('--parallelism must be a whole number ≥ 1');
        checkSpeed(a.speed);
        for (const url of (a.baseUrl as string[] | undefined) ?? []) {
          if (!URL.canParse(url)) throw new Error(`--base-url ${url} is not a URL`);
        }
        return true;
      })
      .middleware(seedFromText) as never,
  async run(args, ctx: CommandContext) {
    const outDir = resolve(ctx.cwd, args.out);
    checkOutputDirectory(outDir, '--out');
    const { scenario } = await loadScenario(args.scenario, ctx.cwd);
    const result = await exportK6Scenario({
      scenario,
      outDir,
      parallelism: args.parallelism,
      ...(args.seed === undefined ? {} : { seed: args.seed }),
      ...(args.speed === undefined ? {} : { speed: args.speed }),
      ...(args.baseUrl === undefined || args.baseUrl.length === 0 ? {} : { baseUrls: args.baseUrl }),
    });
    if (args.json) {
      printJson(ctx, result);
      return EXIT_OK;
    }
    const where = relative(ctx.cwd, outDir) || '.';
    const leftOut = Object.entries(result.leftOut)
      .map(([why, n]) => `${n.toLocaleString('en-US')} ${why}`)
      .join(', ');
    const lines = [
      `wrote a k6 test of ${scenario.name}: ${result.ops.toLocaleString('en-US')} HTTP requests from a plan of ${result.planned.toLocaleString('en-US')} ops (stock reads and redeliveries added${leftOut ? `; left out: ${leftOut}` : ''}) → ${where}/`,
      `  run it:  k6 run --log-format raw --console-output outcomes.ndjson ${where}/script.ts`,
      `  or:      kubectl apply -f ${where}/configmap.yaml -f ${where}/testrun.yaml   (parallelism ${args.parallelism})`,
    ];
    if (result.configMapBytes > CONFIGMAP_LIMIT_BYTES) {
      lines.push(
        `  note: script and ops are ${Math.round(result.configMapBytes / 1_024).toLocaleString('en-US')} KiB, more than a ConfigMap holds: see ${where}/README.md`,
      );
    }
    for (const u of result.unmappedAssertions)
      lines.push(`  not a k6 threshold: ${u.assertion} (${u.reason})`);
    ctx.stderr.write(`${lines.join('\n')}\n`);
    return EXIT_OK;
  },
};
