// Small Kafka helpers for stack tests, on the same client the product uses.
import { stringConsumer, stringProducer } from '../../src/kafka/kafka-clients.ts';

export interface KeyedText {
  readonly key: string;
  readonly value: string;
}

/** Produces the messages in one send (acks=all) and closes the producer. */
export async function produce(
  brokers: readonly string[],
  clientId: string,
  topic: string,
  messages: readonly KeyedText[],
): Promise<void> {
  const producer = stringProducer(brokers, clientId, { idempotent: true });
  try {
    await producer.send({ messages: messages.map((m) => ({ topic, ...m })) });
  } finally {
    await producer.close();
  }
}

export interface ConsumedText extends KeyedText {
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * Reads a topic from the beginning in a fresh consumer group until `enough` holds
 * (or timeoutMs passes: then it throws, saying how many arrived), then `settleMs`
 * more, so a duplicate right behind the first copy is seen too.
 */
export async function consumeFromStart(
  brokers: readonly string[],
  topic: string,
  groupId: string,
  enough: (seen: readonly ConsumedText[]) => boolean,
  options: { timeoutMs?: number; settleMs?: number; commit?: boolean } = {},
): Promise<ConsumedText[]> {
  const consumer = stringConsumer(brokers, `${groupId}-client`, groupId, { maxWaitTimeMs: 250 });
  const seen: ConsumedText[] = [];
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'earliest',
      autocommit: options.commit === true ? 100 : false,
    });
    let enoughSeen = false;
    const end = () => void stream.close().catch(() => {});
    let timer = setTimeout(end, options.timeoutMs ?? 30_000);
    try {
      for await (const m of stream) {
        seen.push({ partition: m.partition, offset: m.offset, key: m.key, value: m.value });
        if (!enoughSeen && enough(seen)) {
          enoughSeen = true;
          clearTimeout(timer);
          timer = setTimeout(end, options.settleMs ?? 0);
        }
      }
    } catch (error) {
      // Closing the stream from a timer may end the iteration with a premature-close error.
      if (!enoughSeen) throw error;
    } finally {
      clearTimeout(timer);
    }
    if (!enoughSeen) {
      throw new Error(
        `only ${seen.length} messages of ${topic} arrived within ${options.timeoutMs ?? 30_000} ms`,
      );
    }
  } finally {
    await consumer.close(true);
  }
  return seen;
}
