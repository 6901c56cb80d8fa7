// Consumes `scans` (keyed by SKU, so a SKU's scans stay in one partition) and
// applies each with applyScan. A database outage is waited out on the same
// message, so nothing is skipped; a malformed message is logged and skipped.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, MessagesStream } from '@platformatic/kafka';
import { type StringConsumer, stringConsumer } from '../kafka/kafka-clients.ts';
import { scanEvent } from './request-schemas.ts';
import { applyScan } from './scan-repository.ts';
import type { StoreContext } from './store-context.ts';
import { StoreApiError } from './store-errors.ts';

export const SCANS_TOPIC = 'scans';
export const SCANS_GROUP = 'peakdrill-reference-store';

type ScanMessage = Message<string, string, string, string>;

/** How many received scans may wait behind the ones being applied before reading pauses. */
const MAX_PENDING = 256;

export class ScanConsumer {
  private readonly ctx: StoreContext;
  private readonly consumer: StringConsumer;
  private readonly abort = new AbortController();
  private starting: Promise<void> | undefined;
  private stream: MessagesStream<string, string, string, string> | undefined;
  applied = 0;
  skipped = 0;

  constructor(ctx: StoreContext, brokers: readonly string[]) {
    this.ctx = ctx;
    this.consumer = stringConsumer(brokers, `peakdrill-store-${ctx.region}-scans`, SCANS_GROUP, {
      // Short sessions: after region a dies, region b gets its partitions within seconds.
      sessionTimeout: 6_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 10_000,
      // A short long-poll, so stopping (SIGTERM, fencing) is not held up by an idle fetch.
      maxWaitTimeMs: 250,
      retries: 8,
      retryDelayMs: 200,
    });
  }

  start(): void {
    this.starting ??= this.connectLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.stream?.close().catch(() => {});
    // Forced: leaves the group at once and ends a join still in progress, so a step-down
    // or fencing is not held up by a rebalance.
    await this.consumer.close(true).catch(() => {});
    await this.starting;
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      try {
        this.stream = await this.consumer.consume({
          topics: [SCANS_TOPIC],
          mode: 'committed',
          fallbackMode: 'earliest',
          // Offsets are committed after a scan is applied, never when it is merely received.
          autocommit: false,
        });
        // Stopped while joining: nobody else would close this stream.
        if (this.abort.signal.aborted) {
          await this.stream.close().catch(() => {});
          return;
        }
        await this.drain(this.stream);
        return;
      } catch (error) {
        if (this.abort.signal.aborted) return;
        if (attempt === 1 || attempt % 20 === 0)
          this.ctx.log.warn({ err: error, attempt }, 'scan consumer: cannot consume; retrying');
        await this.stream?.close().catch(() => {});
        this.stream = undefined;
        await sleep(1_000, undefined, { signal: this.abort.signal }).catch(() => {});
      }
    }
  }

  /** Partitions are applied concurrently, each strictly in offset order (a SKU's scans share one). */
  private async drain(stream: MessagesStream<string, string, string, string>): Promise<void> {
    const chains = new Map<number, Promise<void>>();
    // A partition whose scan was left unapplied (stopping mid-outage) commits nothing after it.
    const halted = new Set<number>();
    let pending = 0;
    for await (const message of stream as AsyncIterable<ScanMessage>) {
      const { partition } = message;
      pending++;
      const next = (chains.get(partition) ?? Promise.resolve()).then(async () => {
        try {
          if (halted.has(partition)) return;
          if (await this.handle(message)) this.commit(message);
          else halted.add(partition);
        } finally {
          pending--;
        }
      });
      chains.set(partition, next);
      if (pending >= MAX_PENDING) await next;
      if (this.abort.signal.aborted) break;
    }
    await Promise.all(chains.values());
  }

  /** Commits coalesce in the client; one that fails only means the next owner re-reads a scan it dedupes. */
  private commit(message: ScanMessage): void {
    (message.commit() as Promise<void>).catch((error: unknown) => {
      this.ctx.log.debug({ err: error, partition: message.partition }, 'scan consumer: commit failed');
    });
  }

  /** True once the scan is applied or skipped for good (its offset may be committed). */
  private async handle(message: ScanMessage): Promise<boolean> {
    const { partition } = message;
    let body: unknown;
    try {
      body = JSON.parse(message.value ?? '');
    } catch {
      body = undefined;
    }
    const parsed = scanEvent.safeParse(body);
    if (!parsed.success) {
      this.skipped++;
      this.ctx.log.warn(
        { partition, offset: message.offset.toString(), issues: parsed.error.issues },
        'scan consumer: malformed scan skipped',
      );
      return true;
    }
    for (;;) {
      try {
        await applyScan(this.ctx, parsed.data, { partition, offset: message.offset.toString() });
        this.applied++;
        return true;
      } catch (error) {
        const outage = error instanceof StoreApiError && error.statusCode === 503;
        // Stopping mid-outage: leave the offset uncommitted, so the next owner re-reads it.
        if (outage && this.abort.signal.aborted) return false;
        if (!outage) {
          this.skipped++;
          this.ctx.log.error(
            { err: error, scanId: parsed.data.scanId },
            'scan consumer: scan could not be applied; skipped',
          );
          return true;
        }
        // Heartbeats run on their own timer in this client, so a long outage keeps the partition.
        await sleep(500);
      }
    }
  }
}
