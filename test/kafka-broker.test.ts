import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaAdmin, stringProducer } from '../src/kafka/kafka-clients.ts';
import { createTopics } from '../src/stack/kafka-service.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { kafkaRelease } from '../src/stack/toolchain/toolchain-versions.ts';
import { consumeFromStart } from './support/kafka-test-clients.ts';
import { startTestStack } from './support/stack-fixture.ts';

describe(`Kafka ${kafkaRelease().version} (KRaft) through the kafka proxy`, () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await startTestStack('kafka');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is the pinned broker line: on 4.x the protocol versions KIP-896 removed are gone, and the client still speaks', async () => {
    const admin = kafkaAdmin(stack.kafkaBrokers, 'kafka-version-test');
    try {
      const apis = await admin.listApis();
      const min = (name: string) => apis.find((a) => a.name === name)?.minVersion;
      const four = Number(kafkaRelease().version.split('.')[0]) >= 4;
      // Kafka 4 refuses Fetch v0-v3, ListOffsets v0 and OffsetCommit v0-v1; 3.x still takes them.
      expect({
        Fetch: min('Fetch'),
        ListOffsets: min('ListOffsets'),
        OffsetCommit: min('OffsetCommit'),
      }).toEqual(
        four ? { Fetch: 4, ListOffsets: 1, OffsetCommit: 2 } : { Fetch: 0, ListOffsets: 0, OffsetCommit: 0 },
      );
    } finally {
      await admin.close();
    }
  });

  it('creates a topic, takes 10,000 keyed messages and a consumer group reads them in per-key order', async () => {
    await createTopics(stack.kafkaBrokers, ['orders-test'], 4);
    const keys = 50;
    const total = 10_000;
    const producer = stringProducer(stack.kafkaBrokers, 'kafka-test', { idempotent: true });
    try {
      for (let batch = 0; batch < total / 1_000; batch++) {
        const messages = Array.from({ length: 1_000 }, (_, i) => {
          const n = batch * 1_000 + i;
          return { topic: 'orders-test', key: `SKU-${n % keys}`, value: String(n) };
        });
        await producer.send({ messages });
      }
    } finally {
      await producer.close();
    }

    const seen = await consumeFromStart(
      stack.kafkaBrokers,
      'orders-test',
      'peakdrill-order-check',
      (s) => s.length >= total,
      { timeoutMs: 60_000, commit: true },
    );
    const lastSeen = new Map<string, number>();
    let outOfOrder = 0;
    for (const m of seen) {
      const value = Number(m.value);
      if ((lastSeen.get(m.key) ?? -1) > value) outOfOrder++;
      lastSeen.set(m.key, value);
    }
    expect(seen).toHaveLength(total);
    expect(outOfOrder).toBe(0);
    expect(lastSeen.size).toBe(keys);
    expect(new Set(seen.map((m) => m.partition)).size).toBe(4);

    // The group committed what it consumed: a restarted consumer would resume, not replay.
    const admin = kafkaAdmin(stack.kafkaBrokers, 'kafka-offsets-test');
    try {
      const [group] = await admin.listConsumerGroupOffsets({ groups: ['peakdrill-order-check'] });
      const partitions = group!.topics.find((t) => t.name === 'orders-test')!.partitions;
      const committed = partitions.reduce((sum, p) => sum + Number(p.committedOffset), 0);
      expect(committed).toBe(total);
    } finally {
      await admin.close();
    }
  });
});
