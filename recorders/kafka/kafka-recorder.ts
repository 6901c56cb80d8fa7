// `peakdrill record kafka`: captures topics as a recording without joining a
// consumer group, so the consumers under test never see a new member, a
// rebalance or a commit. Each partition is read from the offset for --from (or
// its end, for a live capture) up to the offset for --to (or until --for runs
// out, or a signal). Messages become business events (kafka-message-decoder.ts);
// one that does not decode is kept, masked, in a `.undecoded.ndjson` file beside
// the recording and counted, so nothing is dropped silently. Events keep per-key
// order: a key's events never go back in time, even when producers' clocks do.
import { PeakdrillError } from '../../src/model/errors.ts';
import type { RecordingEvent, RecordingHeader } from '../../src/model/recording-schema.ts';
import { KafkaPartitionReader, type ReadMessage } from '../../src/streams/kafka-partition-reader.ts';
import { type CaptureCounts, emptyCounts, writeCaptureOutput } from '../capture-output.ts';
import type { Masker } from '../masking/masker.ts';
import { type Decoded, decodeMessage } from './kafka-message-decoder.ts';

export interface KafkaRecordOptions {
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  /** Start at the first message at or after this time (default: now, a live capture). */
  readonly from?: Date;
  /** Stop at this time; in the past, the capture ends once every partition reached it. */
  readonly to?: Date;
  /** A live capture's length (default: until `to`, or the signal). */
  readonly forMs?: number;
  readonly out: string;
  readonly masker: Masker;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

export interface KafkaRecordResult {
  readonly header: RecordingHeader;
  readonly counts: CaptureCounts;
  readonly undecodedPath: string | undefined;
}

interface Captured {
  readonly topic: string;
  readonly message: ReadMessage;
  readonly decoded: Decoded;
}

const FETCH_WAIT_MS = 500;

/** Where each partition of a topic starts and (for a bounded window) stops. */
async function windowOf(reader: KafkaPartitionReader, options: KafkaRecordOptions, nowMs: number) {
  const starts =
    options.from === undefined
      ? await reader.latestOffsets()
      : await reader.offsetsAt(BigInt(options.from.getTime()));
  const ends =
    options.to !== undefined && options.to.getTime() <= nowMs
      ? await reader.offsetsAt(BigInt(options.to.getTime()))
      : undefined;
  return { starts, ends };
}

/** Opens a reader per topic, refusing a missing topic or unreachable brokers before anything is read. */
async function openReaders(options: KafkaRecordOptions, nowMs: number) {
  const readers = [];
  for (const topic of options.topics) {
    const reader = new KafkaPartitionReader(options.brokers, topic, 'peakdrill-recorder');
    try {
      const window = await windowOf(reader, options, nowMs);
      reader.seek(window.starts);
      readers.push({ topic, reader, ...window });
    } catch (error) {
      await reader.close();
      for (const r of readers) await r.reader.close();
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        `cannot capture topic ${topic} from ${options.brokers.join(',')}: ${(error as Error).message}`,
        {
          hint: 'check --brokers (host:port of a broker this machine reaches) and that the topic exists (kafka-topics.sh --list)',
          cause: error,
        },
      );
    }
  }
  return readers;
}

function done(
  positions: ReadonlyMap<number, string>,
  ends: ReadonlyMap<number, string> | undefined,
): boolean {
  if (ends === undefined) return false;
  for (const [p, end] of ends) if (BigInt(positions.get(p) ?? '0') < BigInt(end)) return false;
  return true;
}

export async function recordKafka(options: KafkaRecordOptions): Promise<KafkaRecordResult> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const readers = await openReaders(options, startedAt);
  const captured: Captured[] = [];
  const counts = emptyCounts();
  // A past --to bounds each partition by offset (`ends`); a future one stops a live capture on time.
  const liveUntil =
    options.to !== undefined && options.to.getTime() > startedAt ? options.to.getTime() : undefined;
  const stopAt = options.forMs !== undefined ? startedAt + options.forMs : liveUntil;
  try {
    while (!options.signal?.aborted) {
      const open = readers.filter((r) => !done(r.reader.currentPositions, r.ends));
      if (open.length === 0 || (stopAt !== undefined && now() >= stopAt)) break;
      for (const r of open) {
        for (const message of await r.reader.fetch(FETCH_WAIT_MS)) {
          const end = r.ends?.get(message.partition);
          if (end !== undefined && BigInt(message.offset) >= BigInt(end)) continue;
          counts.seen++;
          captured.push({ topic: r.topic, message, decoded: decodeMessage(r.topic, message) });
        }
      }
    }
    for (const r of readers) counts.missed += missedIn(r.starts, r.ends, captured, r.topic);
  } finally {
    for (const r of readers) await r.reader.close();
  }
  return writeCapture(options, captured, counts, startedAt, now());
}

/** Offsets of a bounded window that no message was read for (retention, compaction, transactions' markers). */
function missedIn(
  starts: ReadonlyMap<number, string>,
  ends: ReadonlyMap<number, string> | undefined,
  captured: readonly Captured[],
  topic: string,
): number {
  if (ends === undefined) return 0;
  let expected = 0n;
  for (const [p, end] of ends) expected += BigInt(end) - BigInt(starts.get(p) ?? end);
  const got = captured.filter((c) => c.topic === topic).length;
  return Math.max(0, Number(expected) - got);
}

async function writeCapture(
  options: KafkaRecordOptions,
  captured: Captured[],
  counts: CaptureCounts,
  startedAt: number,
  endedAt: number,
): Promise<KafkaRecordResult> {
  // Time order across partitions; a partition's (so a key's) own order breaks ties.
  captured.sort(
    (a, b) =>
      Number(a.message.timestamp) - Number(b.message.timestamp) ||
      a.topic.localeCompare(b.topic) ||
      a.message.partition - b.message.partition ||
      Number(BigInt(a.message.offset) - BigInt(b.message.offset)),
  );
  const startMs =
    options.from?.getTime() ?? Math.min(startedAt, Number(captured[0]?.message.timestamp ?? startedAt));
  const events: RecordingEvent[] = [];
  const undecoded: object[] = [];
  const lastT = new Map<string, number>();
  for (const { topic, message, decoded } of captured) {
    const key = `${topic}\u0000${message.key ?? ''}`;
    const t = Math.max(0, Number(message.timestamp) - startMs, lastT.get(key) ?? 0);
    lastT.set(key, t);
    counts.recorded++;
    if ('undecodable' in decoded) {
      counts.raw++;
      undecoded.push({
        t,
        topic,
        partition: message.partition,
        offset: message.offset,
        why: decoded.undecodable,
        key: message.key === null ? null : options.masker.text(message.key),
        value: message.value === null ? null : options.masker.text(message.value),
      });
      continue;
    }
    counts.decoded++;
    events.push({
      ...decoded.event,
      t,
      id: `kafka:${topic}/${message.partition}/${message.offset}`,
    } as RecordingEvent);
  }
  const { header, undecodedPath } = await writeCaptureOutput({
    out: options.out,
    source: 'kafka-capture',
    startMs,
    stoppedMs: options.to === undefined ? endedAt : Math.min(options.to.getTime(), endedAt),
    events,
    undecoded,
    masker: options.masker,
    counts,
  });
  return { header, counts, undecodedPath };
}
