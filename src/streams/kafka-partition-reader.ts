// Reads a Kafka topic's partitions from given offsets WITHOUT a consumer group:
// no JoinGroup, no offset commits, nothing a consumer group under test could
// notice. @platformatic/kafka's Consumer exposes the group-less calls
// (Metadata, ListOffsets, Fetch) publicly; this never calls consume() or
// joinGroup(). Contract: latestOffsets() (or offsetsAt()), seek(), then fetch()
// again and again (each call returns what arrived, in offset order per
// partition, and moves the positions on); close() is idempotent.
import { FetchIsolationLevels } from '@platformatic/kafka';
import { type StringConsumer, stringConsumer } from '../kafka/kafka-clients.ts';

type FetchResponse = Awaited<ReturnType<StringConsumer['fetch']>>;

/** One message as read: key and value as UTF-8 text (the stack's topics carry JSON). */
export interface ReadMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** Broker/producer timestamp, epoch milliseconds as Kafka gives it. */
  readonly timestamp: string;
  readonly value: string | null;
}

const PARTITION_MAX_BYTES = 1024 * 1024;
/** Record batch attribute bit 5: a transaction marker, not data. */
const CONTROL_BATCH = 0x20;

export class KafkaPartitionReader {
  readonly topic: string;
  private readonly brokers: readonly string[];
  private readonly clientId: string;
  private consumer: StringConsumer | null = null;
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, string>();

  constructor(brokers: readonly string[], topic: string, clientId = 'peakdrill-stream-capture') {
    this.topic = topic;
    this.brokers = brokers;
    this.clientId = clientId;
  }

  /** The end of every partition now (the offset the next message will get): where a capture starts. */
  async latestOffsets(): Promise<Map<number, string>> {
    return this.offsetsAt(-1n);
  }

  /**
   * The first offset of every partition at or after an epoch-millisecond timestamp
   * (-1n: the end, -2n: the beginning). A partition with nothing that late answers its end.
   */
  async offsetsAt(timestamp: bigint): Promise<Map<number, string>> {
    const consumer = await this.connected();
    const found = await consumer.listOffsets({
      topics: [this.topic],
      timestamp,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
    const offsets = found.get(this.topic);
    if (offsets === undefined || offsets.length === 0) {
      throw new Error(`topic ${this.topic} has no partitions (does it exist on this broker?)`);
    }
    const out = new Map<number, string>();
    const ends = timestamp >= 0n ? await this.offsetsAtEnd(consumer) : undefined;
    offsets.forEach((offset, partition) => {
      // Kafka answers -1 for "no record at or after that time": start at the end.
      out.set(partition, (offset < 0n ? (ends?.[partition] ?? 0n) : offset).toString());
    });
    return out;
  }

  /** Reads from these offsets on (a partition left out is not read). */
  seek(offsets: ReadonlyMap<number, string>): void {
    for (const [partition, offset] of offsets) this.positions.set(partition, offset);
  }

  get currentPositions(): ReadonlyMap<number, string> {
    return this.positions;
  }

  /** One round of Fetch requests (one per partition leader); waits up to maxWaitMs for data. */
  async fetch(maxWaitMs: number): Promise<ReadMessage[]> {
    const consumer = await this.connected();
    const metadata = await consumer.metadata({ topics: [this.topic] });
    const topic = metadata.topics.get(this.topic);
    if (topic === undefined) throw new Error(`topic ${this.topic} is not in the cluster metadata`);
    const byLeader = new Map<number, number[]>();
    for (const partition of this.positions.keys()) {
      const leader = topic.partitions[partition]?.leader ?? -1;
      if (leader < 0) throw new Error(`partition ${this.topic}/${partition} has no leader right now`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    }
    const rounds = [...byLeader].map(([node, partitions]) =>
      consumer.fetch({
        node,
        maxWaitTime: maxWaitMs,
        minBytes: 1,
        maxBytes: 8 * PARTITION_MAX_BYTES,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        topics: [
          {
            topicId: topic.id,
            partitions: partitions.map((partition) => ({
              partition,
              fetchOffset: BigInt(this.positions.get(partition)!),
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
              partitionMaxBytes: PARTITION_MAX_BYTES,
            })),
          },
        ],
      }),
    );
    const out: ReadMessage[] = [];
    for (const response of await Promise.all(rounds)) this.takeResponse(response, out);
    return out;
  }

  /** After a broker restart or leader move: forget cached metadata and connections. */
  async reset(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.close(true).catch(() => {});
  }

  private takeResponse(response: FetchResponse, out: ReadMessage[]): void {
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        if (p.errorCode !== 0) {
          throw new Error(
            `fetching ${this.topic}/${p.partitionIndex} failed with Kafka error code ${p.errorCode}`,
          );
        }
        this.take(p.partitionIndex, p.records ?? [], out);
      }
    }
  }

  private take(
    partition: number,
    batches: NonNullable<FetchResponse['responses'][number]['partitions'][number]['records']>,
    out: ReadMessage[],
  ): void {
    const from = BigInt(this.positions.get(partition) ?? '0');
    let next = from;
    for (const batch of batches) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (last + 1n > next) next = last + 1n;
      if ((batch.attributes & CONTROL_BATCH) !== 0) continue;
      for (const record of batch.records) {
        const offset = batch.firstOffset + BigInt(record.offsetDelta);
        // A fetch may start inside an earlier record batch: Kafka's own consumer drops those too.
        if (offset < from) continue;
        out.push({
          partition,
          offset: offset.toString(),
          key: record.key === null ? null : record.key.toString('utf8'),
          timestamp: (batch.firstTimestamp + record.timestampDelta).toString(),
          value: record.value === null ? null : record.value.toString('utf8'),
        });
      }
    }
    if (next > from) this.positions.set(partition, next.toString());
  }

  private async offsetsAtEnd(consumer: StringConsumer): Promise<bigint[]> {
    const ends = await consumer.listOffsets({ topics: [this.topic], timestamp: -1n });
    return ends.get(this.topic) ?? [];
  }

  private async connected(): Promise<StringConsumer> {
    if (this.consumer !== null) return this.consumer;
    // A group id is required by the constructor only; no call made here ever uses it.
    const consumer = stringConsumer(this.brokers, this.clientId, `${this.clientId}-groupless`, {
      // A broker that stops answering must not hold a run's stop for long.
      timeoutMs: 5_000,
      retries: 2,
      retryDelayMs: 100,
    });
    consumer.topics.trackAll(this.topic);
    this.consumer = consumer;
    return consumer;
  }
}
