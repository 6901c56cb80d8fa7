// The registry of live stacks: one small file per stack this user started,
// under the cache (`<cache>/stacks/`), naming the stack directory, the
// peakdrill process that owns it (pid + kernel start time) and the run it
// serves. It is how a later peakdrill finds what an earlier one left when it
// was killed with -9: each run's stack lives in a fresh temporary directory
// that nothing else would know to look in. Entries are written before the
// first process starts and removed after the last one stops.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isRecordAlive, processStartTicks } from './process-supervisor.ts';
import { cachePaths } from './toolchain/cache-paths.ts';

export const stackEntrySchema = z.object({
  dir: z.string().min(1),
  ownerPid: z.int(),
  /** Kernel start time of the owner, so a recycled pid never passes for it. */
  ownerTicks: z.string().nullable(),
  /** A `stack up` stack: meant to outlive the command that started it. */
  detached: z.boolean().default(false),
  /** The directory is the run's own (a temp dir): removed whole once the stack is reaped. */
  temporary: z.boolean().default(false),
  /** The run this stack serves, whose run.json is corrected if its peakdrill dies. */
  runDir: z.string().optional(),
  createdAt: z.string(),
});
export type StackEntry = z.infer<typeof stackEntrySchema>;

export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cachePaths(env).root, 'stacks');
}

function entryFile(registry: string, dir: string): string {
  return join(registry, `${createHash('sha256').update(dir).digest('hex').slice(0, 20)}.json`);
}

/** Records (or updates) the stack in `dir` as owned by this process. */
export function registerStack(
  dir: string,
  fields: Partial<Pick<StackEntry, 'detached' | 'temporary' | 'runDir'>> = {},
  env: NodeJS.ProcessEnv = process.env,
): void {
  const registry = registryDir(env);
  mkdirSync(registry, { recursive: true, mode: 0o700 });
  const previous = readEntry(entryFile(registry, dir));
  const entry: StackEntry = {
    dir,
    ownerPid: process.pid,
    ownerTicks: processStartTicks(process.pid),
    detached: fields.detached ?? previous?.detached ?? false,
    temporary: fields.temporary ?? previous?.temporary ?? false,
    ...((fields.runDir ?? previous?.runDir) ? { runDir: fields.runDir ?? previous?.runDir } : {}),
    createdAt: previous?.createdAt ?? new Date().toISOString(),
  };
  const file = entryFile(registry, dir);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function unregisterStack(dir: string, env: NodeJS.ProcessEnv = process.env): void {
  rmSync(entryFile(registryDir(env), dir), { force: true });
}

export function registeredStacks(env: NodeJS.ProcessEnv = process.env): StackEntry[] {
  const registry = registryDir(env);
  let names: string[];
  try {
    names = readdirSync(registry);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^[0-9a-f]{20}\.json$/.test(n))
    .flatMap((n) => {
      const entry = readEntry(join(registry, n));
      return entry ? [entry] : [];
    });
}

/**
 * Takes the entry for `dir` out of the registry for this process to clean up.
 * Only one of several concurrent sweepers wins (rename is atomic); the others
 * get false and leave the stack alone.
 */
export function claimStack(dir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = entryFile(registryDir(env), dir);
  const claimed = `${file}.reaping-${process.pid}`;
  try {
    renameSync(file, claimed);
  } catch {
    return false;
  }
  rmSync(claimed, { force: true });
  return true;
}

/** True while the peakdrill that owns the entry is running (same pid, same start time). */
export function ownerAlive(entry: Pick<StackEntry, 'ownerPid' | 'ownerTicks'>): boolean {
  return isRecordAlive({ pid: entry.ownerPid, startTicks: entry.ownerTicks });
}

function readEntry(file: string): StackEntry | undefined {
  try {
    const parsed = stackEntrySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
