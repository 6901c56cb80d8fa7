// Streaming history reader: yields validated entries line by line without
// holding the file in memory (or hands them to a sink, which may read op lines
// itself: the checkers' index does). An unterminated, unparsable last line (a
// run killed mid-write) is dropped and reported as `truncatedTail`; any bad line
// before it, and any entry after the `end` entry, is damage: a PeakdrillError
// naming the file and line, or (`onDamage: 'record'`, for judges that must turn
// it into a verdict) noted in `damage` and skipped.
import { open } from 'node:fs/promises';
import { PeakdrillError } from '../model/errors.ts';
import {
  type EndEntry,
  entryTimeNs,
  type HistoryEntry,
  type HistoryEntryType,
  historyEntrySchema,
  type RunHeaderEntry,
} from '../model/history-entry.ts';

export interface HistoryReadOptions {
  readonly chunkBytes?: number;
  /**
   * throw (default): a damaged line is a PeakdrillError. record: it is skipped and noted
   * in `damage` (the first) and `damagedLines`, and reading goes on; a torn last line is
   * damage too, since the run that wrote it did not finish.
   */
  readonly onDamage?: 'throw' | 'record';
}

/** A line of a history that cannot be trusted: where, and why. */
export interface HistoryDamage {
  /** 1-based line number. */
  readonly line: number;
  readonly reason: string;
}

/**
 * Takes a history's entries in order. `line`, when given, may take an entry straight
 * from the text (e.g. to skip JSON.parse): it gets every complete line after the
 * header, `text[start, end)`, and returns false to have it parsed and validated into
 * `entry` instead. It must take only lines that would validate, and then exactly as
 * `entry` would take the parsed entry.
 */
export interface HistoryReadSink {
  line?(text: string, start: number, end: number): boolean;
  entry(e: HistoryEntry): void;
}

const NEWLINE = 0x0a;
/** Text is decoded in pieces of about this size (see texts()). */
const TEXT_BYTES = 64 * 1024;

/**
 * Iterate once with `for await` (or `read` into a sink); `header`, `truncatedTail`, `end`
 * and `lines` describe what was read so far and are final when the loop ends.
 */
export class HistoryReader implements AsyncIterable<HistoryEntry> {
  readonly path: string;
  header: RunHeaderEntry | undefined;
  end: EndEntry | undefined;
  /** The file ended inside a line that could not be read (dropped, not an error). */
  truncatedTail = false;
  /** Line number of the last line read (1-based), for messages about an entry. */
  lines = 0;
  /** With `onDamage: 'record'`: the first damaged line, and how many there were. */
  damage: HistoryDamage | undefined;
  damagedLines = 0;
  private endLine = 0;
  private readonly chunkBytes: number;
  private readonly recordDamage: boolean;
  private started = false;

  constructor(path: string, options: HistoryReadOptions = {}) {
    this.path = path;
    this.chunkBytes = options.chunkBytes ?? 1024 * 1024;
    this.recordDamage = options.onDamage === 'record';
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<HistoryEntry> {
    const entries: HistoryEntry[] = [];
    const sink: HistoryReadSink = { entry: (e) => entries.push(e) };
    for await (const text of this.texts()) {
      this.readLines(text.text, text.terminated, sink);
      // A chunk is read in one synchronous pass (no promise per entry), then its entries yielded.
      for (let i = 0; i < entries.length; i++) yield entries[i]!;
      entries.length = 0;
    }
  }

  /** Reads the whole history into `sink`: no promise per entry, and op lines may skip JSON.parse. */
  async read(sink: HistoryReadSink): Promise<void> {
    for await (const text of this.texts()) this.readLines(text.text, text.terminated, sink);
  }

  /** Chunks of text, each a run of whole lines (terminated) or the file's unterminated tail. */
  private async *texts(): AsyncGenerator<{ text: string; terminated: boolean }> {
    if (this.started) throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `history ${this.path}: read twice`);
    this.started = true;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, 'r');
    } catch (cause) {
      throw new PeakdrillError('PEAKDRILL_ERR_INVALID_HISTORY', `history ${this.path}: cannot open`, {
        cause,
      });
    }
    try {
      const chunk = Buffer.allocUnsafe(this.chunkBytes);
      // Bytes of a line that spans chunks; usually empty.
      const pending: Buffer[] = [];
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        const last = chunk.lastIndexOf(NEWLINE, bytesRead - 1);
        if (last === -1) {
          pending.push(Buffer.from(chunk.subarray(0, bytesRead)));
          continue;
        }
        // Whole lines are decoded together (a character never straddles a newline, so this
        // reads as decoding line by line would), in pieces small enough for the young
        // generation: a string over ~128 KB is born old and its garbage costs full collections.
        for (let from = 0; from <= last; ) {
          let to = last + 1;
          if (to - from > TEXT_BYTES) {
            to = chunk.lastIndexOf(NEWLINE, from + TEXT_BYTES - 1) + 1;
            if (to <= from) to = chunk.indexOf(NEWLINE, from) + 1;
          }
          let text: string;
          if (pending.length > 0) {
            pending.push(chunk.subarray(from, to));
            text = Buffer.concat(pending).toString('utf8');
            pending.length = 0;
          } else {
            text = chunk.toString('utf8', from, to);
          }
          from = to;
          yield { text, terminated: true };
        }
        // Copy: the chunk buffer is overwritten by the next read.
        if (last + 1 < bytesRead) pending.push(Buffer.from(chunk.subarray(last + 1, bytesRead)));
      }
      if (pending.length > 0) yield { text: Buffer.concat(pending).toString('utf8'), terminated: false };
    } finally {
      await handle.close();
    }
  }

  /** Every line of `text` into `sink`; an unterminated text is the file's last, possibly cut, line. */
  private readLines(text: string, terminated: boolean, sink: HistoryReadSink): void {
    if (!terminated) {
      const entry = this.parseLine(text, true);
      if (entry !== undefined) sink.entry(entry);
      return;
    }
    const fast = sink.line?.bind(sink);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) return;
      if (nl === start) {
        this.lines++;
      } else {
        // After the end entry nothing is read the fast way: every such line is damage.
        if (
          fast !== undefined &&
          this.header !== undefined &&
          this.end === undefined &&
          fast(text, start, nl)
        ) {
          this.lines++;
          start = nl + 1;
          continue;
        }
        const entry = this.parseLine(text.slice(start, nl), false);
        if (entry !== undefined) sink.entry(entry);
      }
      start = nl + 1;
    }
  }

  private parseLine(text: string, unterminated: boolean): HistoryEntry | undefined {
    this.lines++;
    if (text.length === 0) return undefined;
    if (this.end !== undefined) {
      // Checked before parsing: whatever follows the end (an entry, a torn line) was not part of the run.
      return this.damaged(`comes after the end entry (line ${this.endLine}): nothing may follow it`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      // A proper prefix of a JSON object never parses, so an unparsable unterminated
      // tail is exactly a line cut short by a killed writer.
      if (unterminated) {
        this.truncatedTail = true;
        if (this.recordDamage)
          this.damaged('is torn: the file ends inside it (the writer was killed mid-line)');
        return undefined;
      }
      return this.damaged(`is not JSON (${(cause as Error).message}): a torn or overwritten line`, cause);
    }
    const parsed = historyEntrySchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`)
        .join('; ');
      return this.damaged(`is not a history entry: ${issues}`, parsed.error);
    }
    const entry = parsed.data;
    if (entry.type === 'run') {
      if (this.header !== undefined) {
        return this.damaged(
          `is a second run header (run ${entry.runId}; the file started run ${this.header.runId}): two runs appended to one file`,
        );
      }
      this.header = entry;
    } else if (this.header === undefined) {
      return this.damaged('comes before the run header: the first line must be {"type":"run",…}');
    } else if (entry.type === 'end') {
      this.end = entry;
      this.endLine = this.lines;
    }
    return entry;
  }

  /** The current line is damaged: thrown, or (record mode) noted and skipped. */
  private damaged(what: string, cause?: unknown): undefined {
    if (!this.recordDamage) throw this.lineError(what, cause);
    this.damagedLines++;
    this.damage ??= { line: this.lines, reason: what };
    return undefined;
  }

  private lineError(what: string, cause?: unknown): PeakdrillError {
    return new PeakdrillError('PEAKDRILL_ERR_INVALID_HISTORY', `history ${this.path}:${this.lines} ${what}`, {
      hint: 'a history is written only by peakdrill; a damaged line before the last one means the file was edited or two writers shared it',
      cause,
    });
  }
}

export function readHistory(path: string, options?: HistoryReadOptions): HistoryReader {
  return new HistoryReader(path, options);
}

export interface OpCounts {
  invoke: number;
  ok: number;
  fail: number;
  info: number;
  drop: number;
}

export interface HistorySummary {
  readonly path: string;
  readonly header: RunHeaderEntry | null;
  readonly entries: number;
  readonly byType: Partial<Record<HistoryEntryType, number>>;
  /** Op counts per function name. */
  readonly byF: Record<string, OpCounts>;
  /** Earliest and latest recorded time over all entries but the header; null when there are none. */
  readonly firstNs: number | null;
  readonly lastNs: number | null;
  readonly hasEnd: boolean;
  readonly endStatus: EndEntry['status'] | null;
  readonly truncatedTail: boolean;
}

export async function readHistorySummary(path: string): Promise<HistorySummary> {
  const reader = readHistory(path);
  const byType: Partial<Record<HistoryEntryType, number>> = {};
  const byF: Record<string, OpCounts> = {};
  let entries = 0;
  let firstNs: number | null = null;
  let lastNs: number | null = null;
  for await (const entry of reader) {
    entries++;
    byType[entry.type] = (byType[entry.type] ?? 0) + 1;
    if (entry.type === 'run') continue;
    const t = entryTimeNs(entry);
    if (firstNs === null || t < firstNs) firstNs = t;
    if (lastNs === null || t > lastNs) lastNs = t;
    if ('f' in entry) {
      byF[entry.f] ??= { invoke: 0, ok: 0, fail: 0, info: 0, drop: 0 };
      byF[entry.f]![entry.type]++;
    }
  }
  return {
    path,
    header: reader.header ?? null,
    entries,
    byType,
    byF,
    firstNs,
    lastNs,
    hasEnd: reader.end !== undefined,
    endStatus: reader.end?.status ?? null,
    truncatedTail: reader.truncatedTail,
  };
}
