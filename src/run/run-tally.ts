// Live figures of a run, counted as history entries go by: ops and errors per
// second for the status line and the abort rule, and which faults are active.
// It sits in front of the history writer, so it sees exactly what the history
// will hold and costs one branch per entry.
import type { HistorySink } from '../engines/open-model-scheduler.ts';
import type { HistoryEntry } from '../model/history-entry.ts';

export interface SecondTally {
  readonly completions: number;
  readonly errors: number;
}

export class RunTally implements HistorySink {
  private readonly inner: HistorySink;
  private readonly businessCodes: ReadonlySet<string>;
  private readonly ignoredF: ReadonlySet<string>;
  completions = 0;
  ok = 0;
  errors = 0;
  private windowCompletions = 0;
  private windowErrors = 0;
  readonly activeFaults = new Set<string>();

  private readonly tap: { observe(entry: HistoryEntry): void } | undefined;

  constructor(
    inner: HistorySink,
    options: {
      businessCodes: Iterable<string>;
      ignoredF?: Iterable<string>;
      /** Sees every entry too (the live metrics), after the history has it. */
      tap?: { observe(entry: HistoryEntry): void };
    },
  ) {
    this.inner = inner;
    this.tap = options.tap;
    this.businessCodes = new Set(options.businessCodes);
    this.ignoredF = new Set(options.ignoredF ?? []);
  }

  append(entry: HistoryEntry): void {
    this.inner.append(entry);
    this.observe(entry);
  }

  /** Counts an entry written elsewhere (e.g. the k6 engine's own history). */
  observe(entry: HistoryEntry): void {
    this.tap?.observe(entry);
    switch (entry.type) {
      case 'ok':
      case 'fail':
      case 'info': {
        if (this.ignoredF.has(entry.f)) return;
        this.completions++;
        this.windowCompletions++;
        if (entry.type === 'ok') this.ok++;
        // A business "no" (out of stock) is the system working; unknown outcomes and failures are not.
        else if (entry.type === 'info' || !this.businessCodes.has(entry.error?.code ?? '')) {
          this.errors++;
          this.windowErrors++;
        }
        return;
      }
      case 'fault':
        if (entry.phase === 'start') this.activeFaults.add(entry.fault);
        else this.activeFaults.delete(entry.fault);
        return;
      default:
        return;
    }
  }

  /** What happened since the last call (the caller calls it once a second). */
  takeWindow(): SecondTally {
    const out = { completions: this.windowCompletions, errors: this.windowErrors };
    this.windowCompletions = 0;
    this.windowErrors = 0;
    return out;
  }
}
