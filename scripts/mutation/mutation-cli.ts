// `npm run mutation -- --mutants N [--seed S] [--only <group|file>] [--out DIR]
// [--speed-factor F] [--timeout S] [--list]`: measures detection power on
// defects nobody seeded. Samples N StrykerJS mutants of the reference store's
// business modules, runs each under the scenario that exercises its module,
// one at a time, and reports the share caught with every survivor listed.
// A dev tool, not a peakdrill command: it needs git, a checkout and a
// devDependency, and is not run in CI (an hour of machine time for 40 mutants).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadScenario } from '../../src/model/scenario-loader.ts';
import { selectGroups } from './module-map.ts';
import { applyMutant } from './mutant-apply.ts';
import { type Candidate, catalogMutants, readAtCommit } from './mutant-catalog.ts';
import { type MutantRunOptions, runControl, runMutant } from './mutant-run.ts';
import { sampleMutants } from './mutant-sampling.ts';
import {
  type ControlResult,
  type MutantResult,
  markdownReport,
  type SampleReport,
  summaryTable,
  where,
} from './mutation-report.ts';

interface Options {
  mutants: number;
  seed: number;
  only: string[] | undefined;
  out: string;
  speedFactor: number;
  timeout: number;
  list: boolean;
  control: boolean;
}

function parseOptions(argv: string[]): Options {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const a = yargs(argv)
    .strict()
    .option('mutants', { type: 'number', demandOption: true, describe: 'how many mutants to run' })
    .option('seed', {
      type: 'number',
      default: 1,
      describe: 'the sampling seed (same seed + HEAD = same mutants)',
    })
    .option('only', { type: 'string', array: true, describe: 'module groups or file base names to mutate' })
    .option('out', { type: 'string', default: join('reports', `mutation-${stamp}`), describe: 'report dir' })
    .option('speed-factor', {
      type: 'number',
      default: 1,
      describe: 'run each scenario at its own speed × this (2: half the time, coarser timing)',
    })
    .option('timeout', { type: 'number', default: 900, describe: 'seconds one mutant run may take' })
    .option('list', { type: 'boolean', default: false, describe: 'print the sample without running it' })
    .option('control', {
      type: 'boolean',
      default: true,
      describe: 'first run each scenario on the unmutated store (--no-control skips it)',
    })
    .check((x) => {
      if (!(Number.isInteger(x.mutants) && x.mutants > 0))
        throw new Error('--mutants: a whole number above 0');
      if (!(Number.isInteger(x.seed) && x.seed >= 0)) throw new Error('--seed: a whole number from 0');
      if (!(Number.isFinite(x.speedFactor) && (x.speedFactor as number) > 0))
        throw new Error('--speed-factor: above 0');
      if (!(Number.isFinite(x.timeout) && x.timeout > 0)) throw new Error('--timeout: seconds above 0');
      return true;
    })
    .parseSync();
  return {
    mutants: a.mutants,
    seed: a.seed,
    only: a.only,
    out: a.out,
    speedFactor: a.speedFactor,
    timeout: a.timeout,
    list: a.list,
    control: a.control,
  };
}

/** Every candidate that applies as erasable TypeScript, with its mutated file text. */
function usableMutants(candidates: readonly Candidate[], read: (file: string) => string) {
  const texts = new Map<string, string>();
  for (const c of candidates) {
    const applied = applyMutant(read(c.file), c);
    if (applied.ok) texts.set(c.id, applied.text);
  }
  return { usable: candidates.filter((c) => texts.has(c.id)), texts };
}

// stripTypeScriptTypes (used to check each edit) warns that it is experimental,
// once per process; the warning says nothing about the sample.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(warning).includes('stripTypeScriptTypes')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

async function main(): Promise<number> {
  const options = parseOptions(hideBin(process.argv));
  const repoRoot = execFileSync('git', ['-C', import.meta.dirname, 'rev-parse', '--show-toplevel'], {
    encoding: 'utf8',
  }).trim();
  const head = execFileSync('git', ['-C', repoRoot, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const sources = new Map<string, string>();
  const read = (file: string) =>
    sources.get(file) ?? sources.set(file, readAtCommit(repoRoot, head, file)).get(file)!;
  const candidates = await catalogMutants(selectGroups(options.only), read);
  const { usable, texts } = usableMutants(candidates, read);
  const sample = sampleMutants(usable, options.mutants, options.seed, (c) => c.group);
  process.stderr.write(
    `mutation: ${candidates.length} candidates (${candidates.length - usable.length} not applicable), ` +
      `sampled ${sample.length} with seed ${options.seed} at HEAD ${head.slice(0, 12)}\n`,
  );
  if (options.list) {
    for (const m of sample)
      process.stdout.write(
        `${m.group}\t${m.scenario}\t${where(m)}\t${m.mutator}\t${m.original.replace(/\s+/g, ' ')} → ${m.replacement.replace(/\s+/g, ' ')}\n`,
      );
    return 0;
  }
  const out = resolve(options.out);
  // Run ids repeat across samples (mutant-01-…): a reused --out would make every run refuse its id.
  if (existsSync(join(out, 'mutation.json'))) {
    throw new Error(`--out ${options.out} already holds a sample; name a new directory`);
  }
  const runsDir = join(out, 'runs');
  mkdirSync(runsDir, { recursive: true });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`mutation: ${signal}: stopping the current run (it heals and stops its stack)\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results: MutantResult[] = [];
  const controls: ControlResult[] = [];
  const runOptions = async (scenario: string, runId: string): Promise<MutantRunOptions> => ({
    repoRoot,
    commit: head,
    runsDir,
    runId,
    timeoutMs: options.timeout * 1_000,
    speed: await scaledSpeed(scenario, options.speedFactor),
    signal: controller.signal,
  });
  const report = (): SampleReport => ({
    seed: options.seed,
    head,
    requested: options.mutants,
    speedFactor: options.speedFactor,
    candidates: candidates.length,
    unusable: candidates.length - usable.length,
    controls,
    results,
  });
  if (options.control) {
    for (const scenario of new Set(sample.map((m) => m.scenario))) {
      if (controller.signal.aborted) break;
      process.stderr.write(`mutation control: ${scenario} on the unmutated store …\n`);
      const r = await runControl(scenario, await runOptions(scenario, `control-${scenario}`));
      controls.push({
        scenario,
        passed: r.outcome === 'survived',
        failing: r.by,
        why: r.why,
        seconds: r.seconds,
        runDir: r.runDir,
      });
      process.stderr.write(
        `  ${r.outcome === 'survived' ? 'pass' : `NOT PASSED: ${r.why}`} in ${r.seconds} s\n`,
      );
    }
  }
  for (const [i, mutant] of sample.entries()) {
    if (controller.signal.aborted) break;
    process.stderr.write(
      `mutation ${i + 1}/${sample.length}: ${where(mutant)} ${mutant.mutator} under ${mutant.scenario} …\n`,
    );
    const runId = `mutant-${String(i + 1).padStart(2, '0')}-${mutant.group}`;
    const result = await runMutant(mutant, texts.get(mutant.id)!, await runOptions(mutant.scenario, runId));
    results.push({ mutant, ...result });
    process.stderr.write(
      `  ${result.outcome} in ${result.seconds} s: ${result.outcome === 'caught' ? result.by.join(', ') : result.why}\n`,
    );
    // Written after every mutant: a sample stopped half-way still reports what it ran.
    writeReports(out, report());
  }
  writeReports(out, report());
  process.stdout.write(`${summaryTable(report())}\n\nreport: ${join(out, 'mutation.md')}\n`);
  return 0;
}

/** The scenario's speed × factor, or undefined (the scenario's own) when the factor is 1. */
async function scaledSpeed(scenario: string, factor: number): Promise<number | undefined> {
  if (factor === 1) return undefined;
  const { scenario: s } = await loadScenario(scenario);
  return s.speed * factor;
}

function writeReports(out: string, report: SampleReport): void {
  writeFileSync(join(out, 'mutation.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'mutation.md'), markdownReport(report));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mutation: ${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
