// Streams a recording file (plain or gzip, told apart by magic bytes) as
// validated events. A bad line is a PeakdrillError naming the file, the 1-based
// line and the zod path and reason; with skipInvalid it is counted instead.
// Event ids are unique in a recording (README.md), so a repeated id is a bad
// line too: checking it keeps every id seen, the one cost that grows with events.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { z } from 'zod';
import {
  RECORDING_EVENT_KINDS,
  RECORDING_SCHEMA_VERSION,
  type RecordingEvent,
  type RecordingHeader,
  recordingEventSchema,
  recordingHeaderSchema,
} from '../model/recording-schema.ts';
import { type SplitLine, splitNdjsonLines, tooLongProblem } from './ndjson-line-splitter.ts';
import {
  assertRecordingFile,
  cannotRead,
  invalidHeader,
  invalidLine,
  lineTooLong,
  messageOf,
  streamError,
  streamErrorReason,
  unsupportedVersion,
} from './recording-errors.ts';

export interface ReadRecordingOptions {
  /** Count and sample bad event lines instead of throwing on the first. The header is always checked. */
  readonly skipInvalid?: boolean;
  /** How many problems to keep as samples (all are counted). Default 20. */
  readonly maxProblems?: number;
  /** Longest accepted line; longer lines are problems, never buffered whole. Default 1 MiB. */
  readonly maxLineBytes?: number;
}

export interface RecordingProblem {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface ReadSummary {
  /** Physical lines seen, header and blank lines included. */
  lines: number;
  events: number;
  invalid: number;
  problems: RecordingProblem[];
}

/** Iterate it once to the end, or call close() (or `await using`): either releases the file. */
export interface RecordingStream extends AsyncIterable<RecordingEvent>, AsyncDisposable {
  readonly path: string;
  readonly header: RecordingHeader;
  /** Final once iteration has finished. */
  readonly summary: ReadSummary;
  close(): Promise<void>;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;
const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** Opens the file, reads and checks the header, and returns a single-use stream of the events. */
export async function openRecording(
  path: string,
  options: ReadRecordingOptions = {},
): Promise<RecordingStream> {
  await assertRecordingFile(path);
  const gzip = await hasGzipMagic(path);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const lines = readLines(path, gzip, maxLineBytes);
  let first: IteratorResult<SplitLine>;
  try {
    first = await lines.next();
  } catch (error) {
    await lines.return(undefined);
    throw streamError(path, 1, error);
  }
  if (first.done) throw invalidHeader(path, 'the recording is empty: line 1 must be the header');
  try {
    const header = parseHeader(path, first.value, maxLineBytes);
    return new LineRecordingStream(path, header, lines, { ...options, maxLineBytes });
  } catch (error) {
    await lines.return(undefined);
    throw error;
  }
}

/** Reads a whole recording into memory: for tests and small files. */
export async function readRecording(
  path: string,
  options: ReadRecordingOptions = {},
): Promise<{ header: RecordingHeader; events: RecordingEvent[]; summary: ReadSummary }> {
  const stream = await openRecording(path, options);
  const events: RecordingEvent[] = [];
  for await (const event of stream) events.push(event);
  return { header: stream.header, events, summary: stream.summary };
}

class LineRecordingStream implements RecordingStream {
  readonly path: string;
  readonly header: RecordingHeader;
  readonly summary: ReadSummary = { lines: 1, events: 0, invalid: 0, problems: [] };
  readonly #lines: AsyncGenerator<SplitLine>;
  readonly #skipInvalid: boolean;
  readonly #maxProblems: number;
  readonly #maxLineBytes: number;
  /** Every event id seen, with its line, so a repeat can name both lines. */
  readonly #idLines = new Map<string, number>();
  #started = false;

  constructor(
    path: string,
    header: RecordingHeader,
    lines: AsyncGenerator<SplitLine>,
    options: ReadRecordingOptions,
  ) {
    this.path = path;
    this.header = header;
    this.#lines = lines;
    this.#skipInvalid = options.skipInvalid ?? false;
    this.#maxProblems = options.maxProblems ?? 20;
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordingEvent> {
    if (this.#started) throw new Error('a RecordingStream can be iterated once; open the recording again');
    this.#started = true;
    try {
      for (;;) {
        let next: IteratorResult<SplitLine>;
        try {
          next = await this.#lines.next();
        } catch (error) {
          if (!this.#skipInvalid) throw streamError(this.path, this.summary.lines + 1, error);
          this.#record(this.summary.lines + 1, streamErrorReason(error));
          return;
        }
        if (next.done) return;
        const line = next.value;
        this.summary.lines = line.lineNumber;
        if ('text' in line && line.text.trim() === '') continue;
        const result = 'problem' in line ? { reason: line.problem } : this.#parse(line);
        if ('event' in result) {
          this.summary.events += 1;
          yield result.event;
        } else if (this.#skipInvalid) {
          this.#record(line.lineNumber, result.reason);
        } else if (result.reason === tooLongProblem(this.#maxLineBytes)) {
          throw lineTooLong(this.path, line.lineNumber, result.reason, this.#maxLineBytes);
        } else {
          throw invalidLine(this.path, line.lineNumber, result.reason);
        }
      }
    } finally {
      await this.#lines.return(undefined);
    }
  }

  #parse(line: { lineNumber: number; text: string }): { event: RecordingEvent } | { reason: string } {
    const result = parseEventLine(line.text);
    if (!('event' in result)) return result;
    const id = result.event.id;
    const first = this.#idLines.get(id);
    if (first !== undefined)
      return {
        reason: `id ${JSON.stringify(id)} repeats the id of line ${first}: event ids are unique in a recording`,
      };
    this.#idLines.set(id, line.lineNumber);
    return result;
  }

  #record(line: number, reason: string): void {
    this.summary.invalid += 1;
    if (this.summary.problems.length < this.#maxProblems)
      this.summary.problems.push({ file: this.path, line, reason });
  }

  async close(): Promise<void> {
    await this.#lines.return(undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

async function hasGzipMagic(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const probe = Buffer.alloc(2);
    const { bytesRead } = await handle.read(probe, 0, 2, 0);
    return bytesRead === 2 && probe[0] === GZIP_MAGIC[0] && probe[1] === GZIP_MAGIC[1];
  } catch (error) {
    throw cannotRead(path, error);
  } finally {
    await handle?.close();
  }
}

function readLines(path: string, gzip: boolean, maxLineBytes: number): AsyncGenerator<SplitLine> {
  const file = createReadStream(path);
  // pipeline forwards a truncated-gzip error to the iterator and destroys the
  // file stream when the consumer stops early, so nothing leaks or hangs.
  const source = gzip ? pipeline(file, createGunzip(), () => {}) : file;
  return splitNdjsonLines(source, maxLineBytes);
}

function parseHeader(path: string, line: SplitLine, maxLineBytes: number): RecordingHeader {
  if ('problem' in line) {
    if (line.problem === tooLongProblem(maxLineBytes)) throw lineTooLong(path, 1, line.problem, maxLineBytes);
    throw invalidHeader(path, `${line.problem}; line 1 must be the header`);
  }
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    throw invalidHeader(
      path,
      `the header is not valid JSON (${messageOf(error)}) near ${snippet(line.text)}`,
    );
  }
  const looksLikeObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!looksLikeObject || (value as { type?: unknown }).type !== 'header')
    throw invalidHeader(path, 'missing header: line 1 must be {"type":"header","schemaVersion":1,...}');
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version === 'number' && version !== RECORDING_SCHEMA_VERSION)
    throw unsupportedVersion(path, version, RECORDING_SCHEMA_VERSION);
  const parsed = recordingHeaderSchema.safeParse(value);
  if (!parsed.success) throw invalidHeader(path, `bad header: ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

function parseEventLine(text: string): { event: RecordingEvent } | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reason: `not valid JSON (${messageOf(error)}) near ${snippet(text)}` };
  }
  const parsed = recordingEventSchema.safeParse(value);
  if (parsed.success) return { event: parsed.data };
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  if (typeof kind === 'string' && !(RECORDING_EVENT_KINDS as readonly string[]).includes(kind))
    return {
      reason: `kind: unknown kind ${JSON.stringify(kind)} (expected one of ${RECORDING_EVENT_KINDS.join(', ')})`,
    };
  const prefix = typeof kind === 'string' ? `${kind} event: ` : '';
  return { reason: `${prefix}${formatIssues(parsed.error.issues)}` };
}

/** `lines[0].qty: Too small: expected number to be >0; (root): Unrecognized key: "x"` — first three issues. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  if (issues.length > 3) shown.push(`and ${issues.length - 3} more`);
  return shown.join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function snippet(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
