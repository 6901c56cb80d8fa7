import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random.ts';

describe('SeededRandom', () => {
  it('replays the same stream, faker included, for the same seed', () => {
    const draw = (seed: number) => {
      const r = new SeededRandom(seed);
      return [
        r.next(),
        r.int(1, 6),
        r.uuid(),
        r.faker.person.firstName(),
        r.exponential(10),
        r.lognormal(80, 0.4),
      ];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws UUIDs in the version-4 layout', () => {
    const r = new SeededRandom(1);
    for (let i = 0; i < 200; i++)
      expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('has the means it promises', () => {
    const r = new SeededRandom(7);
    const n = 20_000;
    let exp = 0;
    let logn = 0;
    let geo = 0;
    for (let i = 0; i < n; i++) {
      exp += r.exponential(5);
      logn += r.lognormal(80, 0.4);
      geo += r.geometric(0.9);
    }
    expect(exp / n).toBeCloseTo(5, 0);
    expect(logn / n / 80).toBeCloseTo(1, 1);
    expect(geo / n).toBeCloseTo(0.9, 1);
  });

  it('picks from cumulative weights in proportion', () => {
    const r = new SeededRandom(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.pickCumulative(Float64Array.from([1, 3, 6]))]! += 1;
    expect(counts.map((c) => Math.round((c / 30_000) * 10))).toEqual([2, 3, 5]);
  });
});
