import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaClient } from '../src/stack/kafka-service.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { startTestStack } from './support/stack-fixture.ts';

describe('Kafka (KRaft) through the kafka proxy with kafkajs', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await startTestStack('kafka');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('creates a topic, takes 10,000 keyed messages and a consumer group reads them in per-key order', async () => {
    const kafka = kafkaClient(stack.kafkaBrokers, 'kafka-test');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders-test', numPartitions: 4 }], waitForLeaders: true });
    await admin.disconnect();

    const keys = 50;
    const total = 10_000;
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let batch = 0; batch < total / 1_000; batch++) {
      const messages = Array.from({ length: 1_000 }, (_, i) => {
        const n = batch * 1_000 + i;
        return { key: `SKU-${n % keys}`, value: String(n) };
      });
      await producer.send({ topic: 'orders-test', messages });
    }
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'peakdrill-order-check' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders-test', fromBeginning: true });
    const lastSeen = new Map<string, number>();
    let received = 0;
    let outOfOrder = 0;
    const assigned = new Set<number>();
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          assigned.add(partition);
          const key = message.key!.toString();
          const value = Number(message.value!.toString());
          if ((lastSeen.get(key) ?? -1) > value) outOfOrder++;
          lastSeen.set(key, value);
          if (++received === total) resolve();
        },
      });
    });
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`only ${received} of ${total} consumed`)), 60_000),
      ),
    ]);
    await consumer.disconnect();
    const offsets = await (async () => {
      const a = kafka.admin();
      await a.connect();
      try {
        return await a.fetchOffsets({ groupId: 'peakdrill-order-check', topics: ['orders-test'] });
      } finally {
        await a.disconnect();
      }
    })();
    expect(received).toBe(total);
    expect(outOfOrder).toBe(0);
    expect(lastSeen.size).toBe(keys);
    expect(assigned.size).toBe(4);
    // The group committed what it consumed: a restarted consumer would resume, not replay.
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(total);
  });
});
