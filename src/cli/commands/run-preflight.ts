// Everything `peakdrill run` can check before it starts anything: the stack it
// is told to use, where its run lands, the shard and the recording it replays.
// A mistake here is a usage error with a fix, and no stack, no run directory
// and no history exist yet.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PeakdrillError } from '../../model/errors.ts';
import type { Shard } from '../../model/history-entry.ts';
import type { Scenario } from '../../model/scenario-schema.ts';
import { parseShard } from '../../plan/shard-plan.ts';
import { openRecording } from '../../recording/recording-reader.ts';
import { defaultStackDir, stackIsRunning } from '../../stack/local-stack.ts';
import { stackLayout } from '../../stack/stack-context.ts';
import { readStackState } from '../../stack/stack-state.ts';
import { assertTargetServes } from '../../targets/scenario-needs.ts';
import type { TargetModule } from '../../targets/target.ts';
import { assertEngineDrives, resolveTarget } from '../../targets/target-registry.ts';
import type { CommandContext } from '../command.ts';
import { checkOutputDirectory } from '../output-file.ts';

export interface RunPreflightArgs {
  readonly target: string;
  readonly engine: 'node' | 'k6';
  readonly stack: 'local' | 'existing';
  readonly stackDir?: string | undefined;
  readonly out: string;
  readonly shard?: string | undefined;
  readonly runId?: string | undefined;
}

export interface RunPreflight {
  /** The existing stack's directory (absolute); undefined with --stack local. */
  readonly stackDir: string | undefined;
  /** --out, absolute: runs land in <outDir>/<run-id>/. */
  readonly outDir: string;
  readonly shard: Shard | undefined;
  /** The target, loaded once (a config or module path is read here, not again by the run). */
  readonly target: TargetModule;
}

export async function preflightRun(
  args: RunPreflightArgs,
  scenario: Scenario,
  ctx: CommandContext,
): Promise<RunPreflight> {
  // The target and what the scenario needs of it (runScenario checks again, for the library form).
  const target = await resolveTarget(args.target, ctx.cwd);
  assertTargetServes(scenario, target);
  assertEngineDrives(args.engine, args.target);
  const shard = args.shard === undefined ? undefined : parseShard(args.shard);
  if (shard !== undefined && shard.count > 1 && (args.stack !== 'existing' || args.runId === undefined)) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      'a sharded run needs --stack existing and a shared --run-id',
      {
        hint: 'start the stack once (`peakdrill stack up`), then run every shard with the same --run-id and --out',
      },
    );
  }
  const outDir = resolve(ctx.cwd, args.out);
  checkOutputDirectory(outDir, '--out');
  const stackDir =
    args.stack === 'existing' ? resolve(ctx.cwd, args.stackDir ?? defaultStackDir(ctx.env)) : undefined;
  if (stackDir !== undefined) assertStackRunning(stackDir, args.stackDir === undefined);
  if ('recording' in scenario.traffic) {
    // Read the header now: a missing or foreign recording would otherwise fail after the stack is up.
    const recording = await openRecording(scenario.traffic.recording);
    await recording.close();
  }
  return { stackDir, outDir, shard, target };
}

function assertStackRunning(dir: string, isDefault: boolean): void {
  const kind = kindOf(dir);
  const why =
    kind === undefined
      ? 'it does not exist'
      : kind !== 'directory'
        ? `it is a ${kind}`
        : readStackState(stackLayout(dir).stateFile) === undefined
          ? 'it holds no stack.json'
          : stackIsRunning(dir)
            ? undefined
            : "its stack's processes are not running";
  if (why === undefined) return;
  throw new PeakdrillError(
    'PEAKDRILL_ERR_UNREACHABLE',
    `no stack is running in ${dir}${isDefault ? ' (the default stack directory)' : ''}: ${why}`,
    {
      hint: `start one with \`peakdrill stack up --dir ${dir}\`, point --stack-dir at the directory \`stack up\` used, or use --stack local`,
    },
  );
}

function kindOf(path: string): string | undefined {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'special file';
  } catch {
    return undefined;
  }
}
