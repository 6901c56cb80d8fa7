// The one place that builds Kafka clients. peakdrill speaks to Kafka through
// @platformatic/kafka: pure JavaScript (no librdkafka to download or compile,
// which a registry-only machine cannot), maintained, and built on the protocol
// versions Kafka 4 kept after KIP-896 (kafkajs has had no release since 2023).
// Every topic in the stack carries UTF-8 keys and JSON text values, so every
// client here speaks strings.
import {
  Admin,
  Consumer,
  compatibilityPartitioner,
  type GroupOptions,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';

export type StringProducer = Producer<string, string, string, string>;
export type StringConsumer = Consumer<string, string, string, string>;

export interface ClientTuning {
  /** Per request, so a broker that stops answering cannot hold a stop for long. */
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly retryDelayMs?: number;
}

function base(brokers: readonly string[], clientId: string, tuning: ClientTuning) {
  return {
    clientId,
    bootstrapBrokers: [...brokers],
    timeout: tuning.timeoutMs ?? 5_000,
    retries: tuning.retries ?? 3,
    retryDelay: tuning.retryDelayMs ?? 200,
    // The stack creates its topics; a typo must fail rather than create an empty topic.
    autocreateTopics: false,
  };
}

/**
 * A producer placing keys exactly as Java clients and kafkajs's default partitioner
 * do (murmur2 & 0x7fffffff), so a SKU stays in the partition any other client expects.
 * Use `idempotent` for a send that spans partitions: when one partition of a request
 * answers with stale metadata, the client sends the whole request again, and only an
 * idempotent producer's copies of the other partitions' batches are dropped by the broker
 * (seen on a fresh Kafka 4.4 topic: a batch appended twice). One message a send, as the
 * fleets publish, is not exposed to it.
 */
export function stringProducer(
  brokers: readonly string[],
  clientId: string,
  options: ClientTuning & { readonly idempotent?: boolean } = {},
): StringProducer {
  const idempotent = options.idempotent ?? false;
  return new Producer({
    ...base(brokers, clientId, options),
    // Device fleets send one message a request, many at once: the client's default of 5 requests
    // in flight a connection would queue them behind a slow link (kafkajs had no cap). Idempotence
    // needs ≤ 5 to keep its ordering guarantee, so that producer keeps the default.
    maxInflights: idempotent ? 5 : 64,
    serializers: stringSerializers,
    partitioner: compatibilityPartitioner,
    idempotent,
    acks: -1,
  });
}

/** A group consumer (classic protocol: spoken by Kafka 3.x and 4.x alike). */
export function stringConsumer(
  brokers: readonly string[],
  clientId: string,
  groupId: string,
  options: ClientTuning & Omit<GroupOptions, 'groupProtocol'> & { readonly maxWaitTimeMs?: number } = {},
): StringConsumer {
  const { timeoutMs, retries, retryDelayMs, maxWaitTimeMs, ...group } = options;
  return new Consumer({
    ...base(brokers, clientId, { timeoutMs, retries, retryDelayMs } as ClientTuning),
    ...group,
    groupId,
    deserializers: stringDeserializers,
    ...(maxWaitTimeMs === undefined ? {} : { maxWaitTime: maxWaitTimeMs }),
  });
}

export function kafkaAdmin(brokers: readonly string[], clientId: string, tuning: ClientTuning = {}): Admin {
  return new Admin(base(brokers, clientId, tuning));
}

/** Where a producer of this module puts a key, given the topic's partition count. */
export function partitionOfKey(key: string, partitions: number): number {
  return compatibilityPartitioner(undefined as never, Buffer.from(key, 'utf8')) % partitions;
}

/** Asks the cluster for its brokers: true once at least one answers metadata. */
export async function clusterAnswers(brokers: readonly string[], clientId: string): Promise<boolean> {
  const admin = kafkaAdmin(brokers, clientId, { retries: 0, timeoutMs: 2_000 });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return metadata.brokers.size > 0;
  } finally {
    await admin.close().catch(() => {});
  }
}
