// Reads a Kafka topic's partitions from given offsets WITHOUT a consumer group:
// no JoinGroup, no offset commits, nothing a consumer group under test could
// notice. kafkajs (2.x) only offers group consumers publicly, so this drives its
// internal Cluster/Broker (metadata, ListOffsets, Fetch) — the same calls its own
// consumer makes after a group hands it partitions. Contract: offsets(), then
// fetch() again and again (each call returns what arrived, in offset order per
// partition, and moves the positions on); close() is idempotent.
import { Kafka, logLevel } from 'kafkajs';

/** One message as read: key and value as UTF-8 text (the stack's topics carry JSON). */
export interface ReadMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** Broker/producer timestamp, epoch milliseconds as Kafka gives it. */
  readonly timestamp: string;
  readonly value: string | null;
}

// The slice of kafkajs internals used here (src/cluster/index.js, src/broker/index.js).
interface RawMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  isControlRecord?: boolean;
}
interface RawBroker {
  fetch(request: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{
    responses: { topicName: string; partitions: { partition: number; messages: RawMessage[] }[] }[];
  }>;
}
interface RawCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string }): Promise<RawBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** READ_COMMITTED: the relay's producer is idempotent, not transactional, so this hides nothing. */
const READ_COMMITTED = 1;
const PARTITION_MAX_BYTES = 1024 * 1024;

/** kafkajs keeps its cluster factory behind a Symbol; found by description, checked, never guessed at. */
function createCluster(kafka: Kafka): RawCluster {
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const factory = key === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof factory !== 'function') {
    throw new Error(
      'kafkajs has no private:Kafka:createCluster factory (the group-less topic reader needs kafkajs 2.x); ' +
        'pin kafkajs ^2.2 or port src/streams/kafka-partition-reader.ts to the new version',
    );
  }
  return factory({ allowAutoTopicCreation: false, isolationLevel: READ_COMMITTED }) as RawCluster;
}

export class KafkaPartitionReader {
  readonly topic: string;
  private readonly cluster: RawCluster;
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, string>();
  private connected = false;

  constructor(brokers: readonly string[], topic: string, clientId = 'peakdrill-stream-capture') {
    this.topic = topic;
    const kafka = new Kafka({
      clientId,
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      // A broker that stops answering must not hold a run's stop for kafkajs's default 30 s.
      requestTimeout: 5_000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.cluster = createCluster(kafka);
  }

  /** The end of every partition now (the offset the next message will get): where a capture starts. */
  async latestOffsets(): Promise<Map<number, string>> {
    await this.ensureConnected();
    const partitions = this.cluster.findTopicPartitionMetadata(this.topic).map((p) => ({
      partition: p.partitionId,
    }));
    if (partitions.length === 0) {
      throw new Error(`topic ${this.topic} has no partitions (does it exist on this broker?)`);
    }
    const [found] = await this.cluster.fetchTopicsOffset([
      { topic: this.topic, partitions, fromBeginning: false },
    ]);
    return new Map((found?.partitions ?? []).map((p) => [p.partition, p.offset]));
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
    await this.ensureConnected();
    const byLeader = this.cluster.findLeaderForPartitions(this.topic, [...this.positions.keys()]);
    const rounds = Object.entries(byLeader).map(async ([nodeId, partitions]) => {
      const broker = await this.cluster.findBroker({ nodeId });
      return broker.fetch({
        isolationLevel: READ_COMMITTED,
        maxWaitTime: maxWaitMs,
        minBytes: 1,
        maxBytes: 8 * PARTITION_MAX_BYTES,
        topics: [
          {
            topic: this.topic,
            partitions: partitions.map((partition) => ({
              partition,
              fetchOffset: this.positions.get(partition)!,
              maxBytes: PARTITION_MAX_BYTES,
            })),
          },
        ],
      });
    });
    const out: ReadMessage[] = [];
    for (const response of await Promise.all(rounds)) {
      for (const topic of response.responses) {
        for (const p of topic.partitions) this.take(p.partition, p.messages, out);
      }
    }
    return out;
  }

  /** After a broker restart or leader move: forget cached metadata and connections. */
  async reset(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.cluster.disconnect().catch(() => {});
  }

  private take(partition: number, messages: readonly RawMessage[], out: ReadMessage[]): void {
    const from = BigInt(this.positions.get(partition) ?? '0');
    let next = from;
    for (const m of messages) {
      const offset = BigInt(m.offset);
      // A fetch may start inside an earlier record batch: Kafka's own consumer drops those too.
      if (offset < from) continue;
      next = offset + 1n;
      if (m.isControlRecord) continue;
      out.push({
        partition,
        offset: m.offset,
        key: m.key === null ? null : m.key.toString('utf8'),
        timestamp: m.timestamp,
        value: m.value === null ? null : m.value.toString('utf8'),
      });
    }
    if (next > from) this.positions.set(partition, next.toString());
  }

  private async ensureConnected(): Promise<void> {
    if (this.connected) return;
    await this.cluster.connect();
    await this.cluster.addTargetTopic(this.topic);
    await this.cluster.refreshMetadata();
    this.connected = true;
  }
}
