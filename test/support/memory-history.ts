// A history sink that keeps every entry in memory, for stack tests that drive the
// scheduler themselves and read the ops back by function.
import type { CompletionEntry, HistoryEntry, InvokeEntry } from '../../src/model/history-entry.ts';

export class MemoryHistory {
  readonly entries: HistoryEntry[] = [];

  append(entry: HistoryEntry): void {
    this.entries.push(structuredClone(entry));
  }

  invokes(f: string): InvokeEntry[] {
    return this.entries.filter((e): e is InvokeEntry => e.type === 'invoke' && e.f === f);
  }

  completion(op: string): CompletionEntry {
    return this.entries.find(
      (e) => (e.type === 'ok' || e.type === 'fail' || e.type === 'info') && e.op === op,
    ) as CompletionEntry;
  }

  /** Each op of `f` (that `where` keeps) with its completion. */
  outcomes(f: string, where: (inv: InvokeEntry) => boolean = () => true) {
    const done = new Map<string, CompletionEntry>();
    for (const e of this.entries)
      if (e.type === 'ok' || e.type === 'fail' || e.type === 'info') done.set(e.op, e as CompletionEntry);
    return this.invokes(f)
      .filter(where)
      .map((inv) => ({ inv, done: done.get(inv.op)! }));
  }
}
