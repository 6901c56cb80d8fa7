// What every recorder writes at the end of a capture: the recording, whose
// header states the masking and the completeness counts, and beside it the
// masked exchanges or messages that decoded to no event (`.undecoded.ndjson`).
import { writeFile } from 'node:fs/promises';
import type { RecordingEvent, RecordingHeader } from '../src/model/recording-schema.ts';
import { writeRecording } from '../src/recording/recording-writer.ts';
import type { Masker } from './masking/masker.ts';

/** Completeness, in the recorder's own unit (messages, exchanges or rows). */
export interface CaptureCounts {
  seen: number;
  /** Written to the recording or the undecoded file. */
  recorded: number;
  decoded: number;
  /** Kept (masked) in the undecoded file, or counted as unreadable. */
  raw: number;
  /** Seen, or due in the window, but not recorded. */
  missed: number;
}

export const emptyCounts = (): CaptureCounts => ({ seen: 0, recorded: 0, decoded: 0, raw: 0, missed: 0 });

export interface CaptureOutput {
  readonly out: string;
  readonly source: 'kafka-capture' | 'http-capture' | 'postgres-capture';
  readonly startMs: number;
  /** When the capture stopped; the header ends at the later of this and the last event. */
  readonly stoppedMs: number;
  readonly events: readonly RecordingEvent[];
  /** Already masked, one JSON object each. */
  readonly undecoded: readonly object[];
  readonly masker: Masker;
  readonly counts: CaptureCounts;
}

/** Stores and SKUs the events touch: what a replay's catalog has to cover. */
function coverage(events: readonly RecordingEvent[]): { stores: number; skus: number } {
  const stores = new Set<string>();
  const skus = new Set<string>();
  for (const e of events) {
    if ('store' in e && e.store !== undefined) stores.add(e.store);
    if ('sku' in e) skus.add(e.sku);
    if ('lines' in e) for (const l of e.lines) skus.add(l.sku);
  }
  return { stores: stores.size, skus: skus.size };
}

export async function writeCaptureOutput(
  c: CaptureOutput,
): Promise<{ header: RecordingHeader; undecodedPath: string | undefined }> {
  const undecodedPath = c.undecoded.length > 0 ? `${c.out}.undecoded.ndjson` : undefined;
  if (undecodedPath !== undefined)
    await writeFile(undecodedPath, c.undecoded.map((u) => `${JSON.stringify(u)}\n`).join(''));
  const header: RecordingHeader = {
    type: 'header',
    schemaVersion: 1,
    source: c.source,
    startTime: new Date(c.startMs).toISOString(),
    endTime: new Date(Math.max(c.stoppedMs, c.startMs + (c.events.at(-1)?.t ?? 0))).toISOString(),
    ...coverage(c.events),
    capture: { masking: c.masker.policy(), counts: { ...c.counts } },
  };
  await writeRecording(c.out, header, c.events);
  return { header, undecodedPath };
}
