// One Kafka producer shared by the RFID readers and barcode scanners of a
// fleet: publishes a JSON message keyed by SKU (so a SKU's scans stay in one
// partition) and answers ok with where it landed, or info when unsure.
import type { Completion } from '../src/engines/open-model-scheduler.ts';
import { type StringProducer, stringProducer } from '../src/kafka/kafka-clients.ts';
import { PeakdrillError } from '../src/model/errors.ts';
import type { ScanOkValue } from '../src/model/op-values.ts';

export interface KafkaScanPublisherOptions {
  readonly brokers: readonly string[];
  /** Default 'scans', the topic the reference store consumes. */
  readonly topic?: string;
  readonly clientId?: string;
}

export class KafkaScanPublisher {
  readonly topic: string;
  private readonly brokers: readonly string[];
  private readonly clientId: string;
  private producer: StringProducer | null = null;
  private opening: Promise<void> | null = null;

  constructor(options: KafkaScanPublisherOptions) {
    if (options.brokers.length === 0) {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'fleet: RFID readers and scanners need Kafka brokers');
    }
    this.topic = options.topic ?? 'scans';
    this.brokers = options.brokers;
    this.clientId = options.clientId ?? 'peakdrill-fleet';
  }

  /** Opened once however many fleets share it: connects and learns the topic's leaders before the first scan. */
  open(): Promise<void> {
    this.opening ??= (async () => {
      const producer = stringProducer(this.brokers, this.clientId, { retries: 2, retryDelayMs: 100 });
      try {
        await producer.metadata({ topics: [this.topic] });
      } catch (error) {
        await producer.close(true).catch(() => {});
        throw error;
      }
      this.producer = producer;
    })();
    return this.opening;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    this.opening = null;
    await producer?.close().catch(() => {});
  }

  async publish(key: string, message: unknown, timeoutMs: number): Promise<Completion> {
    const producer = this.producer;
    if (producer === null)
      return { type: 'fail', error: { code: 'closed', message: 'publisher is not open' } };
    let timer: NodeJS.Timeout | undefined;
    try {
      const sent = producer.send({
        messages: [{ topic: this.topic, key, value: JSON.stringify(message) }],
      });
      // The client retries inside send; past our deadline the broker may still take it: info.
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, 'timeout');
      });
      const result = await Promise.race([sent, deadline]);
      if (result === 'timeout') {
        sent.catch(() => {});
        return {
          type: 'info',
          error: { code: 'timeout', message: `no broker answer within ${timeoutMs} ms` },
        };
      }
      const meta = result.offsets?.[0];
      const value: ScanOkValue = {};
      if (meta !== undefined) {
        value.partition = meta.partition;
        value.offset = meta.offset.toString();
      }
      return { type: 'ok', value };
    } catch (error) {
      // Whether the broker appended it before the error is not known.
      const e = error as { name?: string; message?: string };
      return { type: 'info', error: { code: e.name ?? 'kafka-error', message: e.message ?? String(error) } };
    } finally {
      clearTimeout(timer);
    }
  }
}
