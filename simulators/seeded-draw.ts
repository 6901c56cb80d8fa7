// Per-op deterministic draws for plan shaping: a uniform number from a hash of
// (seed, op identity, purpose), so a duplicate or a reorder does not depend on
// which other ops are in the plan (the same on every shard, in any order).

/** Uniform in [0, 1) from the seed and the given parts. */
export function draw(seed: number, ...parts: readonly (string | number)[]): number {
  // FNV-1a over the parts, then a murmur3 finalizer so nearby inputs spread out.
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** An integer in [min, max] from draw(). */
export function drawInt(
  min: number,
  max: number,
  seed: number,
  ...parts: readonly (string | number)[]
): number {
  return min + Math.floor(draw(seed, ...parts) * (max - min + 1));
}

/** Stable sort by atMs (Array.prototype.sort is stable), returning a new array. */
export function sortByTime<T extends { readonly atMs: number }>(ops: readonly T[]): T[] {
  return [...ops].sort((a, b) => a.atMs - b.atMs);
}

/** mulberry32: a small seedable stream of uniform numbers in [0, 1); the seed fixes the sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
