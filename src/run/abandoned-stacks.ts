// The sweep every stack-touching command runs first (run, stack up|down,
// faults clear): whatever an earlier peakdrill of this user left when it died
// without cleaning up (kill -9, OOM, a closed terminal) is healed and stopped.
// A run's own stack whose owner is gone is reaped whole, its temporary
// directory (and the secrets in it) removed, and its run.json corrected from
// "running" to "error". A stack that lives on (a `stack up` stack, or one whose
// owner still runs) keeps running; only the faults that dead processes applied
// to it are healed, never those of a run that is still going.
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FaultJournal } from '../faults/fault-journal.ts';
import { Nemesis } from '../faults/nemesis.ts';
import { stackDown, stackIsRunning } from '../stack/local-stack.ts';
import { stackLayout } from '../stack/stack-context.ts';
import {
  claimStack,
  ownerAlive,
  registeredStacks,
  type StackEntry,
  unregisterStack,
} from '../stack/stack-registry.ts';
import { writeJsonAtomically } from './check-run.ts';
import { readRunJson, runFile, runInfoSchema } from './run-directory.ts';

export interface SweepReport {
  /** Stacks stopped because the peakdrill that owned them is gone. */
  readonly reaped: string[];
  /** Faults healed on stacks that live on. */
  readonly healed: { readonly dir: string; readonly what: string }[];
  /** Run directories whose run.json said running and now says error. */
  readonly runsMarked: string[];
  readonly problems: string[];
}

export async function sweepAbandonedStacks(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = () => {},
): Promise<SweepReport> {
  const report: SweepReport = { reaped: [], healed: [], runsMarked: [], problems: [] };
  for (const entry of registeredStacks(env)) {
    try {
      const owned = entry.ownerPid === process.pid || ownerAlive(entry);
      if (owned || entry.detached) await healOrphanFaults(entry, env, report);
      else await reapStack(entry, env, report);
    } catch (error) {
      report.problems.push(`${entry.dir}: ${(error as Error).message}`);
    }
  }
  for (const line of describeSweep(report)) log(line);
  return report;
}

/** A stack that lives on: heal what dead runs applied; forget a detached one once it is gone. */
async function healOrphanFaults(entry: StackEntry, env: NodeJS.ProcessEnv, report: SweepReport) {
  if (!stackIsRunning(entry.dir)) {
    if (entry.detached && !existsSync(stackLayout(entry.dir).stateFile)) unregisterStack(entry.dir, env);
    return;
  }
  if (new FaultJournal(entry.dir).orphans().length === 0) return;
  const healed = await Nemesis.forStack(entry.dir, { runTag: 'sweep' }).clearLeftovers({ onlyOrphans: true });
  report.healed.push(...healed.map((what) => ({ dir: entry.dir, what })));
}

async function reapStack(
  entry: StackEntry,
  env: NodeJS.ProcessEnv,
  report: { reaped: string[]; runsMarked: string[] },
  reason = `peakdrill (pid ${entry.ownerPid}) died before the run finished; a later peakdrill reaped its stack`,
): Promise<void> {
  if (!claimStack(entry.dir, env)) return;
  const { stopped } = await stackDown(entry.dir);
  report.reaped.push(`${entry.dir}${stopped.length ? ` (${stopped.join(', ')})` : ''}`);
  if (entry.runDir !== undefined) {
    if (existsSync(entry.runDir)) {
      await cp(stackLayout(entry.dir).logs, join(entry.runDir, 'logs'), { recursive: true }).catch(() => {});
    }
    if (await markRunDead(entry.runDir, reason)) report.runsMarked.push(entry.runDir);
  }
  if (entry.temporary) await rm(entry.dir, { recursive: true, force: true });
}

/**
 * Reaps the stack in `dir` whoever owns it: a second Ctrl-C's way out, which
 * cannot wait for the run's own orderly stop.
 */
export async function reapStackNow(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const entry = registeredStacks(env).find((e) => e.dir === dir);
  if (entry === undefined) {
    await stackDown(dir, env);
    return;
  }
  await reapStack(
    entry,
    env,
    { reaped: [], runsMarked: [] },
    'interrupted twice: the stack was stopped at once',
  );
}

/** run.json of a run whose peakdrill died says so, instead of "running" forever. */
async function markRunDead(dir: string, reason: string): Promise<boolean> {
  let info: ReturnType<typeof runInfoSchema.parse> | undefined;
  try {
    info = readRunJson(dir, 'run', runInfoSchema);
  } catch {
    return false;
  }
  if (info === undefined || info.status !== 'running') return false;
  await writeJsonAtomically(runFile(dir, 'run'), {
    ...info,
    status: 'error',
    endedAt: new Date().toISOString(),
    reason,
  });
  return true;
}

export function describeSweep(report: SweepReport): string[] {
  return [
    ...report.reaped.map((d) => `reaped the stack a dead peakdrill left in ${d}`),
    ...report.healed.map((h) => `healed a fault a dead peakdrill left: ${h.what} in ${h.dir}`),
    ...report.runsMarked.map((r) => `marked ${r} as error (its peakdrill died mid-run)`),
    ...report.problems.map((p) => `could not clean up after a dead peakdrill: ${p}`),
  ];
}
