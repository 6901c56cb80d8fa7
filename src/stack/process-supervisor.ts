// Starts the stack's long-lived programs as tracked child processes. Each runs
// in its own process group (so a stop reaches its children: postgres backends,
// JVM helpers) with its output in a log file, and leaves a pid file the reaper
// can use when the peakdrill that started it is gone (kill -9, crash).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomically } from '../support/atomic-write.ts';

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  /** Added to peakdrill's own environment; only these are written to the spec file. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly uid?: number;
  readonly gid?: number;
  /** PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for clients to leave). */
  readonly stopSignal?: NodeJS.Signals;
  /**
   * Lower tiers stop first. Clients of the other services (the stores) are
   * tier 0, so they are gone before the broker and databases they would
   * otherwise wait on during their own shutdown. Default 1.
   */
  readonly stopTier?: number;
  /** How to tell the process is usable again after a restart. */
  readonly ready?: ReadyCheck;
}

export type ReadyCheck =
  | { readonly kind: 'postgres'; readonly port: number }
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 'kafka'; readonly brokers: readonly string[] }
  | { readonly kind: 'tcp'; readonly port: number };

export interface PidRecord {
  readonly name: string;
  readonly pid: number;
  /** Kernel start time of the process, so a recycled pid is never killed by mistake. */
  readonly startTicks: string | null;
  readonly command: string;
  readonly stopSignal: NodeJS.Signals;
  readonly stopTier?: number;
  readonly owner: number;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Kernel start time (field 22 of /proc/<pid>/stat), or null if the pid is gone. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after it follow the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

function isSameProcess(record: Pick<PidRecord, 'pid' | 'startTicks'>): boolean {
  const ticks = processStartTicks(record.pid);
  if (ticks === null) return false;
  if (record.startTicks !== null && ticks !== record.startTicks) return false;
  // A zombie still has a stat entry but nothing left to stop.
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${record.pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export class SupervisedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  private readonly child: ChildProcess;
  private readonly pidFile: string;
  private readonly stopSignal: NodeJS.Signals;
  readonly stopTier: number;

  constructor(child: ChildProcess, spec: ProcessSpec, pidFile: string) {
    this.child = child;
    this.name = spec.name;
    this.pid = child.pid!;
    this.logFile = spec.logFile;
    this.pidFile = pidFile;
    this.stopSignal = spec.stopSignal ?? 'SIGTERM';
    this.stopTier = spec.stopTier ?? 1;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  get exitedWith(): ExitStatus | undefined {
    return this.exitStatus;
  }

  /** Lets the parent exit while this process keeps running (`stack up`). */
  detach(): void {
    this.child.unref();
  }

  /** Stops the whole process group: the polite signal, then SIGKILL after graceMs. Idempotent. */
  async stop(graceMs = 5_000): Promise<ExitStatus> {
    if (this.running) {
      signalGroup(this.pid, this.stopSignal);
      const timer = sleep(graceMs).then(() => 'timeout' as const);
      if ((await Promise.race([this.exited, timer])) === 'timeout') {
        signalGroup(this.pid, 'SIGKILL');
      }
    }
    const status = await this.exited;
    // Grandchildren that left the group are not ours; those that stayed are gone with it.
    signalGroup(this.pid, 'SIGKILL');
    // After a restart (a healed kill or region loss) the pid file names the new process:
    // removing it would hide that process from the reaper, which then leaks it.
    if (this.ownsPidFile()) await rm(this.pidFile, { force: true });
    return status;
  }

  private ownsPidFile(): boolean {
    try {
      return (JSON.parse(readFileSync(this.pidFile, 'utf8')) as PidRecord).pid === this.pid;
    } catch {
      return true;
    }
  }
}

export async function spawnSupervised(spec: ProcessSpec, pidDir: string): Promise<SupervisedProcess> {
  await mkdir(pidDir, { recursive: true });
  const logFd = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', logFd, logFd],
      ...(spec.uid === undefined ? {} : { uid: spec.uid }),
      ...(spec.gid === undefined ? {} : { gid: spec.gid }),
    });
  } finally {
    closeSync(logFd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pidFile = join(pidDir, `${spec.name}.json`);
  // The spec lets a later process (faults clear, a restart fault) start this
  // one again; it may hold a connection string, so it is private.
  await mkdir(specDir(pidDir), { recursive: true });
  await writeFileAtomically(join(specDir(pidDir), `${spec.name}.json`), `${JSON.stringify(spec)}\n`, 0o600);
  const record: PidRecord = {
    name: spec.name,
    pid: child.pid!,
    startTicks: processStartTicks(child.pid!),
    command: [spec.command, ...spec.args].join(' '),
    stopSignal: spec.stopSignal ?? 'SIGTERM',
    stopTier: spec.stopTier ?? 1,
    owner: process.pid,
  };
  // Whole or not at all: a peakdrill killed mid-write must not leave a record no reaper can read.
  await writeFileAtomically(pidFile, `${JSON.stringify(record)}\n`, 0o600);
  return new SupervisedProcess(child, spec, pidFile);
}

function specDir(pidDir: string): string {
  return join(dirname(pidDir), 'specs');
}

/** The spec a process was last started with, for restarting it. */
export function readProcessSpec(pidDir: string, name: string): ProcessSpec | undefined {
  const file = join(specDir(pidDir), `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ProcessSpec) : undefined;
}

export function readPidRecord(pidDir: string, name: string): PidRecord | undefined {
  return readPidRecords(pidDir).find((r) => r.name === name);
}

/** True when the recorded process is this very process and still running (not a zombie). */
export function isRecordAlive(record: Pick<PidRecord, 'pid' | 'startTicks'>): boolean {
  return isSameProcess(record);
}

export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  signalGroup(pid, signal);
}

export function readPidRecords(pidDir: string): PidRecord[] {
  if (!existsSync(pidDir)) return [];
  return readdirSync(pidDir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(pidDir, f), 'utf8')) as PidRecord];
      } catch {
        return [];
      }
    });
}

/** True when some process recorded in pidDir is still alive. */
export function anyAlive(pidDir: string): boolean {
  return readPidRecords(pidDir).some(isSameProcess);
}

/**
 * Stops every process recorded in pidDir that is still alive and removes the
 * pid files: the backstop after a peakdrill that owned them died. Returns the
 * names it had to stop.
 */
export async function reapPidDir(pidDir: string, graceMs = 3_000): Promise<string[]> {
  const records = readPidRecords(pidDir);
  const alive = records.filter(isSameProcess);
  const tiers = [...new Set(alive.map((r) => r.stopTier ?? 1))].sort((a, b) => a - b);
  for (const tier of tiers) {
    const group = alive.filter((r) => (r.stopTier ?? 1) === tier);
    for (const record of group) signalGroup(record.pid, record.stopSignal);
    const deadline = Date.now() + graceMs;
    while (group.some(isSameProcess) && Date.now() < deadline) await sleep(20);
    for (const record of group) if (isSameProcess(record)) signalGroup(record.pid, 'SIGKILL');
    while (group.some(isSameProcess) && Date.now() < deadline + 2_000) await sleep(20);
  }
  for (const record of records) await rm(join(pidDir, `${record.name}.json`), { force: true });
  return alive.map((r) => r.name);
}
