// Growable typed-array columns: per-op data for a million ops costs a few bytes
// a field in one contiguous buffer instead of an object per op, which keeps the
// history index small and its passes cache-friendly.

type TypedArray = Float64Array | Float32Array | Int32Array | Uint16Array | Uint8Array;
type TypedCtor<T extends TypedArray> = new (length: number) => T;

export class Column<T extends TypedArray> {
  private data: T;
  private readonly ctor: TypedCtor<T>;
  length = 0;

  constructor(ctor: TypedCtor<T>, initialCapacity = 1_024) {
    this.ctor = ctor;
    this.data = new ctor(initialCapacity);
  }

  push(value: number): number {
    if (this.length === this.data.length) this.grow();
    this.data[this.length] = value;
    return this.length++;
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  /** The filled part, copied into a right-sized array (the builder is thrown away afterwards). */
  finish(): T {
    const out = new this.ctor(this.length);
    out.set(this.data.subarray(0, this.length) as never);
    return out;
  }

  private grow(): void {
    const next = new this.ctor(this.data.length * 2);
    next.set(this.data as never);
    this.data = next;
  }
}

/** Small string tables: the index stores a number per op and looks the name up here. */
export class Interner {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  id(name: string): number {
    let i = this.ids.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.ids.set(name, i);
    }
    return i;
  }

  find(name: string): number | undefined {
    return this.ids.get(name);
  }
}
