// Kafka publish throughput of the client peakdrill uses (@platformatic/kafka)
// against kafkajs 2.2.4 (the one it replaced), same broker, same run, through
// the stack's kafka proxy as every fleet publishes. Two shapes: the RFID and
// scanner fleets' (one message a send, acks=all, many sends in flight) and the
// outbox relay's (batches of 500, one at a time). Where kafkajs cannot speak to
// the broker at all, the bench says so with kafkajs's own error instead of a figure;
// PEAKDRILL_KAFKA_VERSION=3.9.1 runs the same comparison on the older line.
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { stringProducer } from '../src/kafka/kafka-clients.ts';
import { createTopics } from '../src/stack/kafka-service.ts';
import { LocalStack } from '../src/stack/local-stack.ts';
import { kafkaRelease } from '../src/stack/toolchain/toolchain-versions.ts';
import { silenceKnownWarnings } from './kafkajs-warnings.ts';

const TOPIC = 'bench-scans';
const SINGLE_MS = 8_000;
const CONCURRENCY = 64;
const BATCH = 500;
const BATCHES = 60;

/** What one client must do for the bench: send messages to TOPIC, then close. */
interface BenchClient {
  send(messages: { key: string; value: string }[]): Promise<unknown>;
  close(): Promise<void>;
}

function platformatic(brokers: readonly string[]): BenchClient {
  const producer = stringProducer(brokers, 'bench-platformatic');
  return {
    send: (messages) => producer.send({ messages: messages.map((m) => ({ topic: TOPIC, ...m })) }),
    close: () => producer.close(),
  };
}

async function kafkajs(brokers: readonly string[]): Promise<BenchClient> {
  silenceKnownWarnings();
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    send: (messages) => producer.send({ topic: TOPIC, acks: -1, messages }),
    close: () => producer.disconnect(),
  };
}

const scan = (i: number) => ({ key: `SKU-${i % 997}`, value: `{"scanId":"s-${i}","qty":1}` });

/** The fleets' shape: CONCURRENCY loops, each sending one message when its last one is acknowledged. */
async function singles(client: BenchClient): Promise<{ perSec: number; p50Ms: number; p99Ms: number }> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let sent = 0;
  const until = performance.now() + SINGLE_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await client.send([scan(sent++)]);
        histogram.recordValue(Math.round((performance.now() - started) * 1_000));
      }
    }),
  );
  const figures = {
    perSec: sent / (SINGLE_MS / 1_000),
    p50Ms: histogram.getValueAtPercentile(50) / 1_000,
    p99Ms: histogram.getValueAtPercentile(99) / 1_000,
  };
  histogram.destroy();
  return figures;
}

/** The relay's shape: BATCHES sends of BATCH messages, one after another. */
async function batches(client: BenchClient): Promise<number> {
  const started = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    await client.send(Array.from({ length: BATCH }, (_, i) => scan(b * BATCH + i)));
  }
  return (BATCHES * BATCH) / ((performance.now() - started) / 1_000);
}

async function measure(client: BenchClient, label: string, out: Record<string, number | string>) {
  try {
    await client.send([scan(0)]); // connections and metadata before the clock starts
    const single = await singles(client);
    out[`${label} single sends/s (64 in flight)`] = Math.round(single.perSec);
    out[`${label} single p50 ms`] = single.p50Ms;
    out[`${label} single p99 ms`] = single.p99Ms;
    out[`${label} batched msgs/s (500 a send)`] = Math.round(await batches(client));
  } finally {
    await client.close();
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const broker = kafkaRelease().version;
  const dir = mkdtempSync(join(tmpdir(), 'peakdrill-bench-kafka-'));
  const out: Record<string, number | string> = { broker };
  try {
    await using stack = await new LocalStack().withDir(dir).start();
    await createTopics(stack.kafkaBrokers, [TOPIC], 3);
    await measure(platformatic(stack.kafkaBrokers), 'platformatic', out);
    try {
      await measure(await kafkajs(stack.kafkaBrokers), 'kafkajs', out);
    } catch (error) {
      out.kafkajs = `failed on Kafka ${broker}: ${(error as Error).message}`;
      return out;
    }
    out['ratio single (platformatic / kafkajs)'] =
      (out['platformatic single sends/s (64 in flight)'] as number) /
      (out['kafkajs single sends/s (64 in flight)'] as number);
    out['ratio batched (platformatic / kafkajs)'] =
      (out['platformatic batched msgs/s (500 a send)'] as number) /
      (out['kafkajs batched msgs/s (500 a send)'] as number);
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
