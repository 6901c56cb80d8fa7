// A map keyed by two strings (SKU and store, ref type and ref id) without
// building a joined key per entry: at a million ledger rows, concatenating and
// hashing a fresh string each time is most of a checker's cost.

export class PairMap<V> {
  private readonly outer = new Map<string, Map<string, V>>();
  size = 0;

  get(a: string, b: string): V | undefined {
    return this.outer.get(a)?.get(b);
  }

  set(a: string, b: string, value: V): void {
    let inner = this.outer.get(a);
    if (inner === undefined) {
      inner = new Map();
      this.outer.set(a, inner);
    }
    if (!inner.has(b)) this.size++;
    inner.set(b, value);
  }

  /** Adds `delta` to a numeric entry (starting from 0). */
  add(this: PairMap<number>, a: string, b: string, delta: number): number {
    let inner = this.outer.get(a);
    if (inner === undefined) {
      inner = new Map();
      this.outer.set(a, inner);
    }
    const prev = inner.get(b);
    if (prev === undefined) this.size++;
    const next = (prev ?? 0) + delta;
    inner.set(b, next);
    return next;
  }

  *entries(): IterableIterator<[string, string, V]> {
    for (const [a, inner] of this.outer) for (const [b, v] of inner) yield [a, b, v];
  }
}
