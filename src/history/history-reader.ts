// Streaming history reader: yields validated entries line by line without
// holding the file in memory. An unterminated, unparsable last line (a run
// killed mid-write) is dropped and reported as `truncatedTail`; any bad line
// before it is a PeakdrillError naming the file and line.
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
}

const NEWLINE = 0x0a;

/**
 * Iterate once with `for await`; `header`, `truncatedTail`, `end` and `lines` describe
 * what was read so far and are final when the loop ends.
 */
export class HistoryReader implements AsyncIterable<HistoryEntry> {
  readonly path: string;
  header: RunHeaderEntry | undefined;
  end: EndEntry | undefined;
  /** The file ended inside a line that could not be read (dropped, not an error). */
  truncatedTail = false;
  /** Line number of the last line read (1-based), for messages about an entry. */
  lines = 0;
  private readonly chunkBytes: number;
  private started = false;

  constructor(path: string, options: HistoryReadOptions = {}) {
    this.path = path;
    this.chunkBytes = options.chunkBytes ?? 256 * 1024;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<HistoryEntry> {
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
      // Pieces of a line that spans chunks; usually empty.
      const pending: Buffer[] = [];
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        let start = 0;
        for (;;) {
          const nl = chunk.indexOf(NEWLINE, start);
          if (nl === -1 || nl >= bytesRead) break;
          let text: string;
          if (pending.length > 0) {
            pending.push(chunk.subarray(start, nl));
            text = Buffer.concat(pending).toString('utf8');
            pending.length = 0;
          } else {
            text = chunk.toString('utf8', start, nl);
          }
          start = nl + 1;
          const entry = this.parseLine(text, false);
          if (entry !== undefined) yield entry;
        }
        // Copy: the chunk buffer is overwritten by the next read.
        if (start < bytesRead) pending.push(Buffer.from(chunk.subarray(start, bytesRead)));
      }
      if (pending.length > 0) {
        const entry = this.parseLine(Buffer.concat(pending).toString('utf8'), true);
        if (entry !== undefined) yield entry;
      }
    } finally {
      await handle.close();
    }
  }

  private parseLine(text: string, unterminated: boolean): HistoryEntry | undefined {
    this.lines++;
    if (text.length === 0) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      // A proper prefix of a JSON object never parses, so an unparsable unterminated
      // tail is exactly a line cut short by a killed writer.
      if (unterminated) {
        this.truncatedTail = true;
        return undefined;
      }
      throw this.lineError(`is not JSON (${(cause as Error).message})`, cause);
    }
    const parsed = historyEntrySchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`)
        .join('; ');
      throw this.lineError(`is not a history entry: ${issues}`, parsed.error);
    }
    const entry = parsed.data;
    if (entry.type === 'run') {
      if (this.header !== undefined) {
        throw this.lineError(
          `is a second run header (run ${entry.runId}; the file started run ${this.header.runId}): two runs appended to one file`,
        );
      }
      this.header = entry;
    } else if (this.header === undefined) {
      throw this.lineError('comes before the run header: the first line must be {"type":"run",…}');
    } else if (entry.type === 'end') {
      this.end = entry;
    }
    return entry;
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
