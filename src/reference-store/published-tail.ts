// Where a new primary's outbox relay must resume: the last event each partition
// of the topic already holds for the current ledger generation. The cursor in
// ledger_publication is only advanced after a send, so a primary lost between
// the two leaves a batch published that the other region's cursor does not
// know of; resuming from the cursor alone would publish it again (the
// event-stream checker counted such duplicates after a region loss). Reading
// the tail costs one ListOffsets and one small Fetch per partition, once per
// takeover, and joins no consumer group.
import { partitionOfKey } from '../kafka/kafka-clients.ts';
import { KafkaPartitionReader } from '../streams/kafka-partition-reader.ts';

export interface PublishedTail {
  /** Partition of a key, exactly as the relay's producer places it. */
  partitionOf(key: string): number;
  /** The highest ledger id of this generation in each partition (absent: none). */
  readonly lastId: ReadonlyMap<number, number>;
}

const TAIL_WAIT_MS = 1_000;

export async function readPublishedTail(
  brokers: readonly string[],
  topic: string,
  generation: number,
): Promise<PublishedTail> {
  const reader = new KafkaPartitionReader(brokers, topic, 'peakdrill-store-relay-resume');
  try {
    const ends = await reader.latestOffsets();
    const last = new Map<number, bigint>();
    for (const [partition, end] of ends) if (BigInt(end) > 0n) last.set(partition, BigInt(end) - 1n);
    reader.seek(new Map([...last].map(([p, o]) => [p, o.toString()])));
    const lastId = new Map<number, number>();
    for (const m of await reader.fetch(TAIL_WAIT_MS)) {
      if (BigInt(m.offset) !== last.get(m.partition)) continue;
      const event = parseEvent(m.value);
      if (event !== undefined && event.generation === generation) lastId.set(m.partition, event.ledgerId);
    }
    return { partitionOf: partitioner(ends.size), lastId };
  } finally {
    await reader.close();
  }
}

/** The producer's own placement (murmur2 of the key over the partition count). */
function partitioner(partitions: number): (key: string) => number {
  return (key) => partitionOfKey(key, partitions);
}

function parseEvent(value: string | null): { ledgerId: number; generation?: number } | undefined {
  if (value === null) return undefined;
  try {
    const e = JSON.parse(value) as { ledgerId?: unknown; generation?: unknown };
    return typeof e.ledgerId === 'number'
      ? { ledgerId: e.ledgerId, ...(typeof e.generation === 'number' ? { generation: e.generation } : {}) }
      : undefined;
  } catch {
    return undefined;
  }
}
