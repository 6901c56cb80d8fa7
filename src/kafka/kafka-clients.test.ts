import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionOfKey } from './kafka-clients.ts';

// kafkajs's DefaultPartitioner is the Java client's murmur2 placement: the reference
// every other producer of a team's topics uses. A SKU must land where they put it.
function kafkajsPartition(key: string, partitions: number): number {
  const place = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return place({ topic: 't', partitionMetadata, message: { key, value: null } });
}

describe('partitionOfKey', () => {
  it('places every key where the Java client (and kafkajs) places it', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          expect(partitionOfKey(key, n)).toBe(kafkajsPartition(key, n));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('spreads SKUs over every partition', () => {
    const used = new Set(Array.from({ length: 300 }, (_, i) => partitionOfKey(`SKU-${i}`, 3)));
    expect([...used].sort()).toEqual([0, 1, 2]);
  });
});
