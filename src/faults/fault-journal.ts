// The fault journal: an append-only NDJSON file in the stack directory. A
// fault's `intent` line, with everything needed to undo it, is written and
// fsynced BEFORE the fault is applied; `healed` after it is removed. Whatever
// has an intent and no heal after a crash is a leftover the next start (or
// `peakdrill faults clear`) undoes.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { FaultSpec } from '../model/fault-spec.ts';
import { isRecordAlive, processStartTicks } from '../stack/process-supervisor.ts';

/** How to take a fault back without the process that applied it. */
export type FaultUndo =
  | { readonly action: 'remove-toxic'; readonly proxy: string; readonly toxic: string }
  | { readonly action: 'enable-proxy'; readonly proxy: string }
  | { readonly action: 'restore-upstream'; readonly proxy: string; readonly upstream: string }
  | { readonly action: 'resume-process'; readonly process: string; readonly pid: number }
  | { readonly action: 'restart-process'; readonly process: string }
  /** A failback that did not finish hands writes back to `from`, so there is always a writer. */
  | { readonly action: 'settle-failback'; readonly to: string; readonly from: string }
  /** A cutover that finished stays done (edge on `to`); one that did not goes back to `from`. */
  | { readonly action: 'settle-cutover'; readonly to: string; readonly from: string }
  /** A rollback that finished stays done (edge on `to`); one that did not leaves `from` the writer. */
  | { readonly action: 'settle-rollback'; readonly to: string; readonly from: string }
  | { readonly action: 'none'; readonly reason: string };

export interface JournalEntry {
  readonly at: string;
  readonly runTag: string;
  readonly faultId: string;
  readonly phase: 'intent' | 'applied' | 'healed' | 'heal-failed';
  readonly spec?: FaultSpec;
  readonly undo?: readonly FaultUndo[];
  readonly error?: string;
  /** The peakdrill that applied the fault (on intents), so a sweep heals only what dead processes left. */
  readonly ownerPid?: number;
  readonly ownerTicks?: string | null;
}

export function journalPath(stackDir: string): string {
  return join(stackDir, 'faults', 'journal.ndjson');
}

/**
 * A new stack starts with no faults: the old journal moves to the logs (kept
 * for the record) so its leftovers are never replayed against new processes.
 */
export function retireJournal(stackDir: string, logsDir: string): void {
  const path = journalPath(stackDir);
  if (existsSync(path)) renameSync(path, join(logsDir, `faults-journal-${Date.now()}.ndjson`));
}

export class FaultJournal {
  readonly path: string;

  constructor(stackDir: string) {
    this.path = journalPath(stackDir);
    mkdirSync(dirname(this.path), { recursive: true });
  }

  /** Appends and fsyncs: a fault must never be applied without its undo on disk. */
  record(entry: Omit<JournalEntry, 'at' | 'ownerPid' | 'ownerTicks'>): void {
    const owner =
      entry.phase === 'intent' ? { ownerPid: process.pid, ownerTicks: processStartTicks(process.pid) } : {};
    const line = `${JSON.stringify({ at: new Date().toISOString(), ...entry, ...owner })}\n`;
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Intents with no heal: what a crashed run left applied. Torn last lines are skipped. */
  leftovers(): JournalEntry[] {
    if (!existsSync(this.path)) return [];
    const open = new Map<string, JournalEntry>();
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue;
      }
      if (entry.phase === 'intent') open.set(entry.faultId, entry);
      else if (entry.phase === 'healed') open.delete(entry.faultId);
    }
    return [...open.values()];
  }

  /** Leftovers whose peakdrill is gone (or unknown): safe to heal while other runs use the stack. */
  orphans(): JournalEntry[] {
    return this.leftovers().filter((e) => !intentOwnerAlive(e));
  }

  /** Marks a leftover healed by a later process (faults clear, or the next run). */
  markHealed(faultId: string, runTag: string): void {
    this.record({ runTag, faultId, phase: 'healed' });
  }
}

/** An intent's owner is alive when its pid still runs with the same start time; old entries have none. */
export function intentOwnerAlive(entry: JournalEntry): boolean {
  if (entry.ownerPid === undefined) return false;
  return isRecordAlive({ pid: entry.ownerPid, startTicks: entry.ownerTicks ?? null });
}
