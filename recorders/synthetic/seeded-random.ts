// The one seeded PRNG behind a generated recording: a Mersenne Twister shared
// by a fresh Faker instance (seeded with faker.seed) and by our own draws, so
// the same seed gives the same bytes. Never Math.random, never the clock.
import { base, en, Faker, generateMersenne53Randomizer, type Randomizer } from '@faker-js/faker';

export class SeededRandom {
  readonly faker: Faker;
  readonly #randomizer: Randomizer;

  constructor(seed: number) {
    this.#randomizer = generateMersenne53Randomizer();
    this.faker = new Faker({ locale: [en, base], randomizer: this.#randomizer });
    this.faker.seed(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#randomizer.next();
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Standard normal (Box-Muller; two draws each call so the stream stays simple). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal parameterised by its mean and coefficient of variation. */
  lognormal(mean: number, cv: number): number {
    const sigma2 = Math.log(1 + cv * cv);
    return Math.exp(Math.log(mean) - sigma2 / 2 + Math.sqrt(sigma2) * this.normal());
  }

  /** Failures before the first success with the given mean (0, 1, 2, ...). */
  geometric(mean: number): number {
    if (mean <= 0) return 0;
    const p = 1 / (1 + mean);
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  /** Index drawn from a cumulative weight table whose last entry is the total. */
  pickCumulative(cumulative: Float64Array): number {
    const target = this.next() * cumulative[cumulative.length - 1]!;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** A key from a weight record (weights need not sum to 1). */
  pickWeighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const keys = Object.keys(weights) as K[];
    let total = 0;
    for (const key of keys) total += weights[key];
    let target = this.next() * total;
    for (const key of keys) {
      target -= weights[key];
      if (target < 0) return key;
    }
    return keys[keys.length - 1]!;
  }

  /** A value from [value, weight] pairs. */
  pickPair<V>(pairs: readonly (readonly [V, number])[]): V {
    let total = 0;
    for (const [, weight] of pairs) total += weight;
    let target = this.next() * total;
    for (const [value, weight] of pairs) {
      target -= weight;
      if (target < 0) return value;
    }
    return pairs[pairs.length - 1]![0];
  }

  pick<V>(values: readonly V[]): V {
    return values[Math.floor(this.next() * values.length)]!;
  }

  /** RFC 4122 version-4 layout from the seeded stream (faker's uuid is 10x slower). */
  uuid(): string {
    const a = this.#word();
    const b = this.#word();
    const c = this.#word();
    const d = this.#word();
    // Version nibble 4 in the third group, variant bits 10 in the fourth.
    const version = (b & 0xffff & 0x0fff) | 0x4000;
    const variant = ((c >>> 16) & 0x3fff) | 0x8000;
    return `${hex32(a)}-${hex16(b >>> 16)}-${hex16(version)}-${hex16(variant)}-${hex16(c & 0xffff)}${hex32(d)}`;
  }

  #word(): number {
    return Math.floor(this.next() * 0x1_0000_0000) >>> 0;
  }
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex16(value: number): string {
  return HEX_BYTE[(value >>> 8) & 0xff]! + HEX_BYTE[value & 0xff]!;
}

function hex32(value: number): string {
  return hex16(value >>> 16) + hex16(value & 0xffff);
}
