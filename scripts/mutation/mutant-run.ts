// Runs one mutant end to end: scratch copy with the mutated file, then
// `node <copy>/bin/peakdrill.js run <scenario> --json` in its own process
// group under a time limit (SIGTERM lets peakdrill heal and stop its stack;
// SIGKILL of the group after a grace period), the verdict read back, leftovers
// swept, the copy deleted. The run directory stays in the sample's out dir.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { verdictSchema } from '../../src/verdict/verdict-schema.ts';
import { cleanUpAfter, type Leftovers } from './leftover-processes.ts';
import type { Candidate } from './mutant-catalog.ts';
import { type Classified, classifyRun } from './mutant-outcome.ts';
import { makeScratchCopy } from './scratch-copy.ts';

export interface MutantRunOptions {
  readonly repoRoot: string;
  /** The commit the mutants were made from; the copy is that tree. */
  readonly commit: string;
  /** Runs land in <runsDir>/<runId>/; the run's output in <runsDir>/<runId>.log. */
  readonly runsDir: string;
  readonly runId: string;
  readonly timeoutMs: number;
  /** Passed as --speed; undefined: the scenario's own. */
  readonly speed: number | undefined;
  /** Between SIGTERM and SIGKILL: long enough for peakdrill to heal and stop its stack. */
  readonly graceMs?: number;
  /** Aborting stops the run as a Ctrl-C would: SIGTERM, then SIGKILL after the grace period. */
  readonly signal?: AbortSignal;
}

export interface MutantRunResult extends Classified {
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly runDir: string;
  readonly leftovers: Leftovers;
}

export function runMutant(
  mutant: Candidate,
  mutatedText: string,
  options: MutantRunOptions,
): Promise<MutantRunResult> {
  return runInCopy(mutant.scenario, { file: mutant.file, text: mutatedText }, options);
}

/**
 * The control: the unmutated store under `scenario`, on the same machine and
 * load. A mutant "caught" under a scenario whose control fails proves nothing
 * (an SLO assertion can fail on a busy machine with no mutant at all).
 */
export function runControl(scenario: string, options: MutantRunOptions): Promise<MutantRunResult> {
  return runInCopy(scenario, undefined, options);
}

async function runInCopy(
  scenario: string,
  edit: { file: string; text: string } | undefined,
  options: MutantRunOptions,
): Promise<MutantRunResult> {
  const started = performance.now();
  using copy = makeScratchCopy(options.repoRoot, options.commit, edit);
  const args = [join(copy.dir, 'bin', 'peakdrill.js'), 'run', scenario];
  args.push('--out', options.runsDir, '--run-id', options.runId, '--json');
  if (options.speed !== undefined) args.push('--speed', String(options.speed));
  const child = spawn(process.execPath, args, {
    cwd: copy.dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(options.runsDir, `${options.runId}.log`));
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const { code, timedOut } = await waitWithLimit(child, options);
  log.end();
  const runDir = join(options.runsDir, options.runId);
  const leftovers = await cleanUpAfter(child.pid, [copy.dir, ...stackDirOf(runDir)]);
  const classified = classifyRun(code, readVerdict(runDir), timedOut);
  if (edit !== undefined && classified.outcome === 'caught') pruneRunDir(runDir);
  return {
    ...classified,
    exitCode: code,
    seconds: Math.round((performance.now() - started) / 1_000),
    runDir,
    leftovers,
  };
}

function waitWithLimit(
  child: ChildProcess,
  options: MutantRunOptions,
): Promise<{ code: number | null; timedOut: boolean }> {
  const graceMs = options.graceMs ?? 90_000;
  return new Promise((resolve) => {
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // The group is already gone.
      }
    };
    const stop = () => {
      signalGroup('SIGTERM');
      killTimer ??= setTimeout(() => signalGroup('SIGKILL'), graceMs);
    };
    const limit = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', stop, { once: true });
    child.once('exit', (code) => {
      options.signal?.removeEventListener('abort', stop);
      clearTimeout(limit);
      clearTimeout(killTimer);
      // Whatever the run left in its own group (it should be nothing) goes with it.
      signalGroup('SIGKILL');
      resolve({ code, timedOut });
    });
  });
}

function readVerdict(runDir: string) {
  const file = join(runDir, 'verdict.json');
  if (!existsSync(file)) return undefined;
  try {
    const parsed = verdictSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // A torn verdict is no verdict: the mutant counts as an error.
  }
}

/**
 * A caught mutant's verdict holds its evidence; its history (tens of MB a run)
 * is dropped so a 40-mutant sample stays a few hundred MB. Survivors, undecided
 * and errors keep everything: they are the ones people will dig into.
 */
const KEPT_WHEN_CAUGHT = new Set(['verdict.json', 'run.json', 'summary.md', 'scenario.json']);

function pruneRunDir(runDir: string): void {
  if (!existsSync(runDir)) return;
  for (const entry of readdirSync(runDir)) {
    if (!KEPT_WHEN_CAUGHT.has(entry)) rmSync(join(runDir, entry), { recursive: true, force: true });
  }
}

function stackDirOf(runDir: string): string[] {
  try {
    const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { stackDir?: unknown };
    return typeof run.stackDir === 'string' ? [run.stackDir] : [];
  } catch {
    return [];
  }
}
