// Consumes `scans` (keyed by SKU, so a SKU's scans stay in one partition) and
// applies each with applyScan. A database outage is waited out on the same
// message, so nothing is skipped; a malformed message is logged and skipped.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { scanEvent } from './request-schemas.ts';
import { applyScan } from './scan-repository.ts';
import type { StoreContext } from './store-context.ts';
import { StoreApiError } from './store-errors.ts';

export const SCANS_TOPIC = 'scans';
export const SCANS_GROUP = 'peakdrill-reference-store';

export class ScanConsumer {
  private readonly ctx: StoreContext;
  private readonly consumer: Consumer;
  private readonly abort = new AbortController();
  private starting: Promise<void> | undefined;
  applied = 0;
  skipped = 0;

  constructor(ctx: StoreContext, kafka: Kafka) {
    this.ctx = ctx;
    this.consumer = kafka.consumer({
      groupId: SCANS_GROUP,
      // Short sessions: after region a dies, region b gets its partitions within seconds.
      sessionTimeout: 6_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 10_000,
      // A short long-poll, so stopping (SIGTERM, fencing) is not held up by an idle fetch.
      maxWaitTimeInMs: 250,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2_000, restartOnFailure: async () => true },
    });
  }

  start(): void {
    this.starting ??= this.connectLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.starting;
    await this.consumer.disconnect().catch(() => {});
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      try {
        await this.consumer.connect();
        await this.consumer.subscribe({ topic: SCANS_TOPIC, fromBeginning: true });
        await this.consumer.run({
          partitionsConsumedConcurrently: 3,
          eachMessage: async ({ message, partition, heartbeat }) =>
            this.handle(message, partition, heartbeat),
        });
        return;
      } catch (error) {
        if (attempt === 1 || attempt % 20 === 0)
          this.ctx.log.warn({ err: error, attempt }, 'scan consumer: cannot start; retrying');
        await this.consumer.disconnect().catch(() => {});
        await sleep(1_000, undefined, { signal: this.abort.signal }).catch(() => {});
      }
    }
  }

  private async handle(
    message: KafkaMessage,
    partition: number,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch {
      body = undefined;
    }
    const parsed = scanEvent.safeParse(body);
    if (!parsed.success) {
      this.skipped++;
      this.ctx.log.warn(
        { partition, offset: message.offset, issues: parsed.error.issues },
        'scan consumer: malformed scan skipped',
      );
      return;
    }
    for (;;) {
      try {
        await applyScan(this.ctx, parsed.data, { partition, offset: message.offset });
        this.applied++;
        return;
      } catch (error) {
        const outage = error instanceof StoreApiError && error.statusCode === 503;
        // Stopping mid-outage: throw, so the offset is not committed and the next owner re-reads it.
        if (outage && this.abort.signal.aborted) throw error;
        if (!outage) {
          this.skipped++;
          this.ctx.log.error(
            { err: error, scanId: parsed.data.scanId },
            'scan consumer: scan could not be applied; skipped',
          );
          return;
        }
        await sleep(500);
        await heartbeat().catch(() => {});
      }
    }
  }
}
