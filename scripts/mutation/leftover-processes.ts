// After each mutant: nothing it started may outlive it. The stack registry
// sweep reaps the run's stack if its peakdrill died (the same sweep every
// `peakdrill run` does, which never touches a live owner's stack), and any
// process still running code from the mutant's scratch copy, or serving its
// run's stack directory (named in run.json), is listed and killed by pid:
// those can only have been started by this mutant's run.
import { readdirSync, readFileSync } from 'node:fs';
import { sweepAbandonedStacks } from '../../src/run/abandoned-stacks.ts';
import { registeredStacks } from '../../src/stack/stack-registry.ts';

export interface Leftovers {
  /** Stacks the sweep reaped: the run died without stopping its own. */
  readonly reapedStacks: string[];
  /** Registry entries still owned by the run's pid after the sweep. */
  readonly ownedStacks: string[];
  /** `pid command` of processes from the scratch copy that had to be killed. */
  readonly killed: string[];
}

export async function cleanUpAfter(
  runPid: number | undefined,
  markers: readonly string[],
): Promise<Leftovers> {
  const sweep = await sweepAbandonedStacks(process.env);
  const ownedStacks = registeredStacks(process.env)
    .filter((e) => runPid !== undefined && e.ownerPid === runPid)
    .map((e) => e.dir);
  const killed: string[] = [];
  for (const { pid, command } of processesMentioning(markers)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(`${pid} ${command.slice(0, 160)}`);
    } catch {
      // Gone between the scan and the kill: nothing left to do.
    }
  }
  return { reapedStacks: sweep.reaped, ownedStacks, killed };
}

function processesMentioning(markers: readonly string[]): { pid: number; command: string }[] {
  if (markers.length === 0) return [];
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (markers.some((m) => command.includes(m))) found.push({ pid, command });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
