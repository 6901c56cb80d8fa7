// Merges shard histories into one stream ordered by time (streaming k-way
// merge; memory is one pending entry per shard). Refuses two inputs with the
// same run id and shard, op ids outside their shard's prefix, and an input
// whose own entries go back in time, so the merged order can be trusted.
import { PeakdrillError } from '../model/errors.ts';
import {
  entryTimeNs,
  type HistoryEntry,
  opIdPrefix,
  type RunHeaderEntry,
  shiftEntryTimes,
} from '../model/history-entry.ts';
import { type HistoryDamage, HistoryReader, type HistoryReadOptions } from './history-reader.ts';

export interface MergedEntry {
  /** Index of the input path the entry came from. */
  readonly source: number;
  readonly entry: HistoryEntry;
}

export interface MergeOptions extends HistoryReadOptions {
  /** Check every op id starts with `<runId>:<shard>:` of its file (default true). */
  readonly checkOpIds?: boolean;
}

/**
 * Yields every entry of every input, headers included (each at its input's offset).
 * Timeline: inputs whose headers share t0 (threads of one process) are already on one
 * monotonic clock and are not moved. Otherwise each input is shifted by the difference
 * of its `startedAt` from the earliest one, which is as good as the machines' wall clocks.
 */
export class HistoryMerge implements AsyncIterable<MergedEntry> {
  readonly paths: readonly string[];
  /** Filled when iteration starts. */
  headers: RunHeaderEntry[] = [];
  offsetsNs: number[] = [];
  /** Final when iteration ends. */
  truncatedTails: boolean[] = [];
  /** With `onDamage: 'record'`: per input, its first damaged line and how many it had. */
  damages: { readonly damage: HistoryDamage | undefined; readonly damagedLines: number }[] = [];
  /** Every input has an `end` entry (final when iteration ends). */
  complete = false;
  private readonly options: MergeOptions;
  private started = false;

  constructor(paths: readonly string[], options: MergeOptions = {}) {
    if (paths.length === 0)
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'merge needs at least one history');
    this.paths = paths;
    this.options = options;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<MergedEntry> {
    if (this.started) throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'a history merge can be read once');
    this.started = true;
    const k = this.paths.length;
    const readers = this.paths.map((p) => new HistoryReader(p, this.options));
    const iterators = readers.map((r) => r[Symbol.asyncIterator]());
    try {
      const heads: (HistoryEntry | undefined)[] = [];
      for (let i = 0; i < k; i++) {
        const first = await iterators[i]!.next();
        if (first.done || first.value.type !== 'run') {
          throw new PeakdrillError(
            'PEAKDRILL_ERR_INVALID_HISTORY',
            `history ${this.paths[i]}: no run header`,
            {
              hint: 'an empty history cannot be placed on the merged timeline; leave it out',
            },
          );
        }
        heads.push(first.value);
      }
      this.headers = [...heads] as RunHeaderEntry[];
      this.checkDistinct();
      this.offsetsNs = alignOffsets(this.headers);
      const prefixes = this.headers.map((h) => opIdPrefix(h.runId, h.shard));
      const checkOpIds = this.options.checkOpIds ?? true;
      const lastNs = new Array<number>(k).fill(0);

      const heap = new MinHeap(k);
      for (let i = 0; i < k; i++) heap.push(i, this.offsetsNs[i]!);
      while (heap.size > 0) {
        const i = heap.peek();
        const entry = heads[i]!;
        yield { source: i, entry };
        const next = await iterators[i]!.next();
        if (next.done) {
          heap.pop();
          continue;
        }
        const e = next.value;
        const t = entryTimeNs(e);
        if (t < lastNs[i]!) {
          throw new PeakdrillError(
            'PEAKDRILL_ERR_INVALID_HISTORY',
            `history ${this.paths[i]}:${readers[i]!.lines} goes back in time (${t} ns after ${lastNs[i]} ns)`,
            { hint: 'entries must be appended as they are recorded (probes: at completion)' },
          );
        }
        lastNs[i] = t;
        if (checkOpIds && 'op' in e && !e.op.startsWith(prefixes[i]!)) {
          throw new PeakdrillError(
            'PEAKDRILL_ERR_INVALID_HISTORY',
            `history ${this.paths[i]}:${readers[i]!.lines} op id ${e.op} does not start with ${prefixes[i]} (its run and shard), so it may collide with another shard's`,
          );
        }
        const offset = this.offsetsNs[i]!;
        if (offset !== 0) shiftEntryTimes(e, offset);
        heads[i] = e;
        heap.replaceTop(i, t + offset);
      }
      this.truncatedTails = readers.map((r) => r.truncatedTail);
      this.damages = readers.map((r) => ({ damage: r.damage, damagedLines: r.damagedLines }));
      this.complete = readers.every((r) => r.end !== undefined);
    } finally {
      await Promise.all(iterators.map((it) => it.return?.(undefined)));
    }
  }

  private checkDistinct(): void {
    const seen = new Map<string, number>();
    const counts = new Map<string, number>();
    this.headers.forEach((h, i) => {
      const key = opIdPrefix(h.runId, h.shard);
      const other = seen.get(key);
      if (other !== undefined) {
        throw new PeakdrillError(
          'PEAKDRILL_ERR_INVALID_HISTORY',
          `histories ${this.paths[other]} and ${this.paths[i]} are both run ${h.runId}${h.shard ? ` shard ${h.shard.index}/${h.shard.count}` : ''}: their op ids would collide`,
          { hint: 'give each shard its own --shard index, or merge histories of different runs' },
        );
      }
      seen.set(key, i);
      const count = h.shard?.count;
      if (count === undefined) return;
      const before = counts.get(h.runId);
      if (before !== undefined && before !== count) {
        throw new PeakdrillError(
          'PEAKDRILL_ERR_INVALID_HISTORY',
          `run ${h.runId}: ${this.paths[i]} is one of ${count} shards but an earlier history says ${before}`,
        );
      }
      counts.set(h.runId, count);
    });
  }
}

export function mergeHistories(paths: readonly string[], options?: MergeOptions): HistoryMerge {
  return new HistoryMerge(paths, options);
}

function alignOffsets(headers: readonly RunHeaderEntry[]): number[] {
  const t0 = headers[0]!.t0;
  if (headers.every((h) => h.t0 === t0)) return headers.map(() => 0);
  const starts = headers.map((h) => Date.parse(h.startedAt));
  const earliest = Math.min(...starts);
  return starts.map((s) => (s - earliest) * 1_000_000);
}

/** Binary min-heap of source indices keyed by time; ties go to the lower index (stable). */
class MinHeap {
  private readonly ids: number[];
  private readonly keys: number[];
  size = 0;

  constructor(capacity: number) {
    this.ids = new Array<number>(capacity);
    this.keys = new Array<number>(capacity);
  }

  peek(): number {
    return this.ids[0]!;
  }

  push(id: number, key: number): void {
    let i = this.size++;
    this.ids[i] = id;
    this.keys[i] = key;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): void {
    this.size--;
    if (this.size === 0) return;
    this.ids[0] = this.ids[this.size]!;
    this.keys[0] = this.keys[this.size]!;
    this.siftDown();
  }

  replaceTop(id: number, key: number): void {
    this.ids[0] = id;
    this.keys[0] = key;
    this.siftDown();
  }

  private siftDown(): void {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.less(l, m)) m = l;
      if (r < this.size && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.ids[a]! < this.ids[b]!);
  }

  private swap(a: number, b: number): void {
    const id = this.ids[a]!;
    const key = this.keys[a]!;
    this.ids[a] = this.ids[b]!;
    this.keys[a] = this.keys[b]!;
    this.ids[b] = id;
    this.keys[b] = key;
  }
}
