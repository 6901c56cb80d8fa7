// Records a Kafka topic into a captured-stream file during a run, without a
// consumer group (KafkaPartitionReader). start() notes where every partition ends
// and writes the header; from then on each fetch's messages are appended at once,
// so a killed run leaves a readable prefix. stop() keeps reading until the caller's
// condition holds or maxWaitMs passes, then writes `end` and fsyncs. Read errors
// (a broker restart, a leader move) are noted and retried: positions are kept, so
// nothing is skipped. Never throws from the loop; stop() is idempotent.
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CapturedMessage, CaptureEnd, CaptureHeader, CaptureNote } from './captured-stream.ts';
import { KafkaPartitionReader, type ReadMessage } from './kafka-partition-reader.ts';

export interface StreamCaptureOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly path: string;
  /** Sees every batch as it is written (e.g. to know when the stream has caught up). */
  readonly onMessages?: (messages: readonly ReadMessage[]) => void;
  readonly log?: (line: string) => void;
  /** How long one fetch waits on the broker for data. */
  readonly fetchWaitMs?: number;
}

export interface StopOptions {
  /** Keep reading until this holds (checked after each fetch)… */
  readonly until?: () => boolean;
  /** …or this long has passed. */
  readonly maxWaitMs?: number;
}

type FileHandle = Awaited<ReturnType<typeof open>>;

const toRecord = (m: ReadonlyMap<number, string>) =>
  Object.fromEntries([...m].map(([p, o]) => [String(p), o]));

export class StreamCapture {
  private readonly reader: KafkaPartitionReader;
  private readonly file: FileHandle;
  private readonly options: StreamCaptureOptions;
  private loop: Promise<void> | undefined;
  private stopping: { until: () => boolean; deadline: number } | undefined;
  private stopped: Promise<void> | undefined;
  private lastFetchEmpty = false;
  private failures = 0;
  messages = 0;

  private constructor(reader: KafkaPartitionReader, file: FileHandle, options: StreamCaptureOptions) {
    this.reader = reader;
    this.file = file;
    this.options = options;
  }

  /** Notes the partitions' ends, writes the header and starts reading; throws if Kafka cannot say where they end. */
  static async start(options: StreamCaptureOptions): Promise<StreamCapture> {
    const reader = new KafkaPartitionReader(options.brokers, options.topic);
    let startOffsets: Map<number, string>;
    try {
      startOffsets = await reader.latestOffsets();
    } catch (error) {
      await reader.close();
      throw new Error(
        `cannot start capturing ${options.topic} from ${options.brokers.join(',')}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    reader.seek(startOffsets);
    let file: FileHandle;
    try {
      await mkdir(dirname(options.path), { recursive: true });
      // 'wx': a capture never appends to another run's file.
      file = await open(options.path, 'wx');
    } catch (error) {
      await reader.close();
      throw new Error(`cannot create the capture file ${options.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const capture = new StreamCapture(reader, file, options);
    const header: CaptureHeader = {
      type: 'capture',
      topic: options.topic,
      startedAt: new Date().toISOString(),
      startOffsets: toRecord(startOffsets),
    };
    await capture.write([header]);
    capture.loop = capture.run();
    return capture;
  }

  /** Reads on until `until` holds or maxWaitMs passes, then ends the file. */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = {
        until: options.until ?? (() => true),
        deadline: performance.now() + (options.maxWaitMs ?? 0),
      };
      await this.loop;
      const end: CaptureEnd = {
        type: 'end',
        stoppedAt: new Date().toISOString(),
        positions: toRecord(this.reader.currentPositions),
        caughtUp: this.lastFetchEmpty,
      };
      await this.write([end]).catch(() => {});
      await this.file.sync().catch(() => {});
      await this.file.close().catch(() => {});
      await this.reader.close();
    })();
    return this.stopped;
  }

  private done(): boolean {
    const s = this.stopping;
    if (s === undefined) return false;
    // The condition is only trusted once a fetch came back empty: the stream had nothing more.
    return (this.lastFetchEmpty && s.until()) || performance.now() >= s.deadline;
  }

  private async run(): Promise<void> {
    const waitMs = this.options.fetchWaitMs ?? 250;
    while (!this.done()) {
      try {
        const batch = await this.reader.fetch(waitMs);
        this.failures = 0;
        this.lastFetchEmpty = batch.length === 0;
        if (batch.length > 0) await this.record(batch);
      } catch (error) {
        this.lastFetchEmpty = false;
        await this.recover(error as Error);
      }
    }
  }

  private async record(batch: readonly ReadMessage[]): Promise<void> {
    this.messages += batch.length;
    await this.write(batch.map((m): CapturedMessage => ({ type: 'message', ...m })));
    this.options.onMessages?.(batch);
  }

  private async recover(error: Error): Promise<void> {
    this.failures++;
    if (this.failures === 1 || this.failures % 20 === 0) {
      const note: CaptureNote = {
        type: 'note',
        at: new Date().toISOString(),
        message: `fetch failed (${this.failures}×): ${error.message}`,
      };
      await this.write([note]).catch(() => {});
      this.options.log?.(`capture of ${this.options.topic}: ${note.message}; retrying`);
    }
    await this.reader.reset();
    await sleep(Math.min(2_000, 100 * this.failures));
  }

  private async write(lines: readonly object[]): Promise<void> {
    await this.file.write(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  }
}
