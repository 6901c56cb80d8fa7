// Kafka for the local stack: one KRaft node acting as broker and controller,
// run from the jars setup installed. Clients reach it through the `kafka`
// Toxiproxy proxy: the CLIENT listener advertises the proxy's address, so
// metadata sends every client connection back through the proxy, while the
// broker talks to itself on an INTERNAL listener no fault touches.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Admin } from '@platformatic/kafka';
import { clusterAnswers, kafkaAdmin } from '../kafka/kafka-clients.ts';
import { PeakdrillError } from '../model/errors.ts';
import { LOOPBACK } from './free-port.ts';
import { type SupervisedProcess, spawnSupervised } from './process-supervisor.ts';
import { type StackContext, stackLayout } from './stack-context.ts';
import { runCommand, tail } from './toolchain/run-command.ts';
import { waitUntil } from './wait-strategy.ts';

export const STACK_TOPICS = ['scans', 'inventory-events', 'marketplace-webhooks'] as const;

export interface KafkaPorts {
  readonly internal: number;
  readonly client: number;
  readonly controller: number;
  /** Where clients are told to connect: the kafka proxy's listen port. */
  readonly advertisedClient: number;
}

export interface StartedKafka {
  readonly process: SupervisedProcess;
  readonly ports: KafkaPorts;
  /** Bootstrap through the proxy, the address every client should use. */
  readonly brokers: string[];
}

function clusterId(): string {
  // Kafka cluster ids are 16 random bytes in URL-safe base64 without padding.
  // One starting with '-' would be read by StorageTool as an option, so draw again.
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dataDir: string, ports: KafkaPorts): string {
  return `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${LOOPBACK}:${ports.controller}
listeners=INTERNAL://${LOOPBACK}:${ports.internal},CLIENT://${LOOPBACK}:${ports.client},CONTROLLER://${LOOPBACK}:${ports.controller}
advertised.listeners=INTERNAL://${LOOPBACK}:${ports.internal},CLIENT://${LOOPBACK}:${ports.advertisedClient}
listener.security.protocol.map=INTERNAL:PLAINTEXT,CLIENT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
log.dirs=${dataDir}
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=9223372036854775807
log.segment.bytes=67108864
`;
}

// Kafka 4 logs through log4j2, 3.x through reload4j: both configurations are
// written and both system properties passed, so either broker line starts quiet.
const LOG4J = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
`;

const LOG4J2 = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = INFO
`;

const JVM_OPTS = [
  '-Xms256m',
  '-Xmx1g',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
];

export async function startKafka(ctx: StackContext, ports: KafkaPorts): Promise<StartedKafka> {
  const layout = stackLayout(ctx.dir);
  const dataDir = layout.dataDir('kafka');
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const config = join(dataDir, 'server.properties');
  const log4j = join(dataDir, 'log4j.properties');
  const log4j2 = join(dataDir, 'log4j2.properties');
  await writeFile(config, serverProperties(join(dataDir, 'log'), ports));
  await writeFile(log4j, LOG4J);
  await writeFile(log4j2, LOG4J2);
  const classpath = join(ctx.tools.kafkaLibs, '*');
  const java = ctx.tools.java;
  const jvm = [
    ...JVM_OPTS,
    `-Dlog4j.configuration=file:${log4j}`,
    `-Dlog4j2.configurationFile=${log4j2}`,
    '-cp',
    classpath,
  ];
  const format = await runCommand(
    java,
    [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', config],
    { timeoutMs: 120_000, track: { pidDir: layout.pids, name: 'kafka-format' } },
  );
  if (format.code !== 0) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_STACK_START',
      `formatting Kafka storage failed: ${tail(format.stdout + format.stderr, 6)}`,
      {
        hint: 'run `peakdrill doctor` (Kafka needs Java 17+)',
      },
    );
  }
  const proc = await spawnSupervised(
    {
      name: 'kafka',
      command: java,
      args: [...jvm, 'kafka.Kafka', config],
      logFile: layout.logFile('kafka'),
      ready: { kind: 'kafka', brokers: [`${LOOPBACK}:${ports.client}`] },
    },
    layout.pids,
  );
  ctx.processes.push(proc);
  const direct = [`${LOOPBACK}:${ports.client}`];
  await waitUntil(() => clusterAnswers(direct, 'peakdrill-stack'), {
    what: `Kafka broker on ${LOOPBACK}:${ports.client}`,
    timeoutMs: 60_000,
    intervalMs: 250,
    process: proc,
  });
  return { process: proc, ports, brokers: [`${LOOPBACK}:${ports.advertisedClient}`] };
}

/** Creates the stack's topics (keyed by SKU, so several partitions) through the given brokers. */
export async function createTopics(
  brokers: string[],
  topics: readonly string[],
  partitions = 3,
): Promise<void> {
  const admin = kafkaAdmin(brokers, 'peakdrill-stack');
  try {
    await admin.createTopics({ topics: [...topics], partitions, replicas: 1 });
    await waitForLeaders(admin, topics, partitions);
  } finally {
    await admin.close().catch(() => {});
  }
}

/** CreateTopics answers before every partition has a leader; producers need one. */
async function waitForLeaders(admin: Admin, topics: readonly string[], partitions: number): Promise<void> {
  await waitUntil(
    async () => {
      const metadata = await admin.metadata({ topics: [...topics], forceUpdate: true });
      return topics.every((topic) => {
        const t = metadata.topics.get(topic);
        return (
          t !== undefined && t.partitionsCount === partitions && t.partitions.every((p) => p.leader >= 0)
        );
      });
    },
    { what: `leaders for Kafka topics ${topics.join(', ')}`, timeoutMs: 30_000, intervalMs: 100 },
  );
}
