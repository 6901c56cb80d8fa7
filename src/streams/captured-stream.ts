// The captured-stream file a run leaves in streams/<topic>.ndjson: a `capture`
// header (topic, start offsets), one `message` line per Kafka message in the
// order read, `note` lines for read errors the capture recovered from, and an
// `end` line when it stopped cleanly. Readers take a torn last line (a killed
// run) as the end of a readable prefix; a capture without `end` is incomplete.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const STREAMS_DIR = 'streams';

/** Where a run directory keeps the capture of `topic`. */
export function capturePath(runDir: string, topic: string): string {
  return join(runDir, STREAMS_DIR, `${topic}.ndjson`);
}

const offsets = z.record(z.string(), z.string());

export const captureHeaderSchema = z.object({
  type: z.literal('capture'),
  topic: z.string(),
  startedAt: z.string(),
  /** Per partition, the first offset read: the end of the partition when the capture started. */
  startOffsets: offsets,
});

export const capturedMessageSchema = z.object({
  type: z.literal('message'),
  partition: z.int(),
  offset: z.string(),
  key: z.string().nullable(),
  timestamp: z.string(),
  value: z.string().nullable(),
});

export const captureNoteSchema = z.object({ type: z.literal('note'), at: z.string(), message: z.string() });

export const captureEndSchema = z.object({
  type: z.literal('end'),
  stoppedAt: z.string(),
  /** Per partition, the next offset the capture would have read. */
  positions: offsets,
  /** The last fetch found nothing new: the capture had read everything the topic held. */
  caughtUp: z.boolean(),
});

const captureLineSchema = z.discriminatedUnion('type', [
  captureHeaderSchema,
  capturedMessageSchema,
  captureNoteSchema,
  captureEndSchema,
]);

export type CaptureHeader = z.infer<typeof captureHeaderSchema>;
export type CapturedMessage = z.infer<typeof capturedMessageSchema>;
export type CaptureNote = z.infer<typeof captureNoteSchema>;
export type CaptureEnd = z.infer<typeof captureEndSchema>;

export interface CapturedStream {
  readonly path: string;
  readonly header: CaptureHeader;
  readonly messages: readonly CapturedMessage[];
  readonly notes: readonly CaptureNote[];
  /** Absent: the capture never stopped cleanly (a killed run), so what it missed is unknown. */
  readonly end: CaptureEnd | undefined;
  /** Lines that were not a valid capture line (a torn last line counts here too). */
  readonly unreadableLines: number;
}

/** Parses a capture file's text; throws only when it has no valid header (not a capture at all). */
export function parseCapturedStream(text: string, path: string): CapturedStream {
  const lines = text.split('\n');
  let header: CaptureHeader | undefined;
  const messages: CapturedMessage[] = [];
  const notes: CaptureNote[] = [];
  let end: CaptureEnd | undefined;
  let unreadableLines = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const parsed = parseLine(line);
    if (parsed === undefined) unreadableLines++;
    else if (parsed.type === 'capture') header ??= parsed;
    else if (parsed.type === 'message') messages.push(parsed);
    else if (parsed.type === 'note') notes.push(parsed);
    else end = parsed;
  }
  if (header === undefined) {
    throw new Error(
      `${path} is not a stream capture: its first line is not a {"type":"capture",…} header; ` +
        'delete it or re-run the scenario to capture the stream again',
    );
  }
  return { path, header, messages, notes, end, unreadableLines };
}

function parseLine(line: string) {
  try {
    const result = captureLineSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** The capture of `topic` in a run directory; undefined when the run has none. */
export function readCapturedStream(runDir: string, topic: string): CapturedStream | undefined {
  const path = capturePath(runDir, topic);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseCapturedStream(text, path);
}
