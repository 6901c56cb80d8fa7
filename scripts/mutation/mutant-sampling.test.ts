import { describe, expect, it } from 'vitest';
import { allocate, sampleMutants, seededRandom } from './mutant-sampling.ts';

const candidates = [
  ...Array.from({ length: 30 }, (_, i) => ({ group: 'checkout', id: `c${i}` })),
  ...Array.from({ length: 10 }, (_, i) => ({ group: 'returns', id: `r${i}` })),
  ...Array.from({ length: 2 }, (_, i) => ({ group: 'webhooks', id: `w${i}` })),
];
const groupOf = (c: { group: string }) => c.group;
const count = (picked: { group: string }[], g: string) => picked.filter((p) => p.group === g).length;

describe('seeded stratified sampling', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = sampleMutants(candidates, 9, 7, groupOf).map((c) => c.id);
    expect(sampleMutants(candidates, 9, 7, groupOf).map((c) => c.id)).toEqual(a);
    expect(sampleMutants(candidates, 9, 8, groupOf).map((c) => c.id)).not.toEqual(a);
  });

  it('gives each group an equal share, whatever its size', () => {
    const picked = sampleMutants(candidates, 6, 1, groupOf);
    expect([count(picked, 'checkout'), count(picked, 'returns'), count(picked, 'webhooks')]).toEqual([
      2, 2, 2,
    ]);
  });

  it('deals a small group’s unused share to the others and never repeats a mutant', () => {
    const picked = sampleMutants(candidates, 12, 3, groupOf);
    expect(count(picked, 'webhooks')).toBe(2);
    expect(count(picked, 'checkout')).toBe(5);
    expect(count(picked, 'returns')).toBe(5);
    expect(new Set(picked.map((p) => p.id)).size).toBe(12);
  });

  it('returns every candidate when asked for more than exist', () => {
    expect(sampleMutants(candidates, 100, 1, groupOf)).toHaveLength(candidates.length);
  });

  it('orders the sample round-robin over the groups', () => {
    const picked = sampleMutants(candidates, 6, 1, groupOf).map((c) => c.group);
    expect(picked).toEqual(['checkout', 'returns', 'webhooks', 'checkout', 'returns', 'webhooks']);
  });

  it('allocates the remainder by the seed, within the availability', () => {
    const shares = allocate(
      new Map([
        ['a', 5],
        ['b', 5],
        ['c', 1],
      ]),
      7,
      seededRandom(1),
    );
    expect(shares.get('c')).toBe(1);
    expect((shares.get('a') ?? 0) + (shares.get('b') ?? 0)).toBe(6);
    expect(Math.abs(shares.get('a')! - shares.get('b')!)).toBe(0);
  });
});
