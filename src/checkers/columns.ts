// Growable typed-array columns: per-op data for a million ops costs a few bytes
// a field in one contiguous buffer instead of an object per op, which keeps the
// history index small and its passes cache-friendly.
import { detachedSlice } from '../history/json-scan.ts';

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

  /**
   * The filled part. A view when little of the buffer is unused (no second copy of a
   * large column alive at once), else copied into a right-sized array.
   */
  finish(): T {
    if (this.data.length - this.length <= this.length >> 2) return this.data.subarray(0, this.length) as T;
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

  /** The id of `s[start, end)` if it is a name already (-1 if not), without making a string of it. */
  findSlice(s: string, start: number, end: number): number {
    const names = this.names;
    const len = end - start;
    // Tables are small (functions, codes, prefixes); past 64 names the map is the faster way.
    if (names.length > 64) return this.ids.get(s.slice(start, end)) ?? -1;
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      if (n.length === len && s.startsWith(n, start)) return i;
    }
    return -1;
  }

  /** The id of `s[start, end)`, added if new. */
  idOfSlice(s: string, start: number, end: number): number {
    const i = this.findSlice(s, start, end);
    return i !== -1 ? i : this.id(detachedSlice(s, start, end));
  }
}

/** Lookup key of an op id: a number for `<prefix><seq>` ids (no string hashed), else the id itself. */
export type OpKey = number | string;

const SEQ_LIMIT = 2 ** 40;
const MAX_PREFIXES = 4_096;
const MAX_SEQ_DIGITS = 12;
const IRREGULAR = 0xffff;

/**
 * Op ids, nearly all `<runId>:[<shard>:]<seq>`, kept as a prefix number and a
 * sequence number (10 bytes an op instead of a 40-byte string); an id of any
 * other shape is kept as it is. `key` gives the same lookup key for the same id
 * whether it comes as a string or as a slice of a chunk.
 */
export class OpIdColumn {
  private readonly prefixes = new Interner();
  private readonly prefixOf = new Column(Uint16Array, 4_096);
  private readonly seqOf = new Column(Float64Array, 4_096);
  private readonly irregular = new Map<number, string>();
  private lastPrefix = '';
  private lastPrefixId = -1;

  get length(): number {
    return this.prefixOf.length;
  }

  /** The key of `s[start, end)`. */
  keyOfSlice(s: string, start: number, end: number): OpKey {
    // Nearly every id has the last id's prefix: then one comparison and one pass over the digits.
    const last = this.lastPrefix;
    const d0 = start + last.length;
    if (this.lastPrefixId !== -1 && end > d0 && end - d0 <= MAX_SEQ_DIGITS && s.startsWith(last, start)) {
      let seq = 0;
      let i = d0;
      for (; i < end; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x30 || c > 0x39) break;
        seq = seq * 10 + (c - 0x30);
      }
      if (i === end && (end - d0 === 1 || s.charCodeAt(d0) !== 0x30))
        return this.lastPrefixId * SEQ_LIMIT + seq;
    }
    let d = end;
    while (d > start) {
      const c = s.charCodeAt(d - 1);
      if (c < 0x30 || c > 0x39) break;
      d--;
    }
    const digits = end - d;
    // Canonical decimals only, so the id reads back exactly: no leading zero, no more digits than fit.
    if (digits > 0 && digits <= MAX_SEQ_DIGITS && (digits === 1 || s.charCodeAt(d) !== 0x30)) {
      const prefix = this.prefixes.idOfSlice(s, start, d);
      if (prefix < MAX_PREFIXES) {
        this.lastPrefix = this.prefixes.names[prefix]!;
        this.lastPrefixId = prefix;
        let seq = 0;
        for (let i = d; i < end; i++) seq = seq * 10 + (s.charCodeAt(i) - 0x30);
        return prefix * SEQ_LIMIT + seq;
      }
    }
    return start === 0 && end === s.length ? s : detachedSlice(s, start, end);
  }

  key(op: string): OpKey {
    return this.keyOfSlice(op, 0, op.length);
  }

  /** Appends an op with the key `key` gave for `op`; returns its index. */
  push(key: OpKey): number {
    const i = this.prefixOf.length;
    if (typeof key === 'number') {
      this.prefixOf.push(Math.floor(key / SEQ_LIMIT));
      this.seqOf.push(key % SEQ_LIMIT);
    } else {
      this.prefixOf.push(IRREGULAR);
      this.seqOf.push(0);
      this.irregular.set(i, key);
    }
    return i;
  }

  /** The op id of op `i`, made on demand (evidence only needs a few). */
  id(i: number): string {
    const prefix = this.prefixOf.get(i);
    return prefix === IRREGULAR
      ? this.irregular.get(i)!
      : `${this.prefixes.names[prefix]}${this.seqOf.get(i)}`;
  }

  finish(): (i: number) => string {
    const prefixOf = this.prefixOf.finish();
    const seqOf = this.seqOf.finish();
    const names = this.prefixes.names;
    const irregular = this.irregular;
    return (i) => {
      const prefix = prefixOf[i];
      if (prefix === undefined) throw new RangeError(`no op ${i}`);
      return prefix === IRREGULAR ? irregular.get(i)! : `${names[prefix]}${seqOf[i]}`;
    };
  }
}
