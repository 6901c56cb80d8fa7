// Reads JSON straight out of a history chunk: skips values it is not asked for
// while still checking their grammar, and builds only the parts of a value a
// caller projects. It reads no escapes: at a backslash (or anything else it
// does not handle: whitespace, deep nesting, a raw control character) it bails,
// and the caller falls back to JSON.parse, so a line either reads exactly as
// JSON.parse reads it or not at all.

/** Thrown (never an Error: no stack to capture) when the scanner cannot read a line itself. */
export const BAIL: unique symbol = Symbol('json-scan bail');

function bail(): never {
  throw BAIL;
}

/**
 * Which parts of a value a reader looks at: `true` all of it, `{ key: … }` those
 * keys of an object (other keys are left out), `[ … ]` each element of an array.
 * A value of another kind than the projection expects is read whole.
 */
export type Projection = true | { readonly [key: string]: Projection } | readonly [Projection];

const ALL = 0;
const OBJECT = 1;
const ARRAY = 2;

/** A projection prepared once (its keys in a list), so reading one costs no lookups by name. */
export class CompiledProjection {
  readonly kind: number;
  readonly keys: readonly string[];
  readonly parts: readonly CompiledProjection[];

  constructor(p: Projection) {
    if (p === true) {
      this.kind = ALL;
      this.keys = [];
      this.parts = [];
    } else if (Array.isArray(p)) {
      this.kind = ARRAY;
      this.keys = [];
      this.parts = [new CompiledProjection((p as readonly [Projection])[0])];
    } else {
      this.kind = OBJECT;
      this.keys = Object.keys(p);
      this.parts = this.keys.map((k) => new CompiledProjection((p as Record<string, Projection>)[k]!));
    }
  }
}

export function compileProjection(p: Projection): CompiledProjection {
  return new CompiledProjection(p);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const PLUS = 0x2b;
const MAX_DEPTH = 64;
/** Up to 15 digits a decimal mantissa is an exact double, and m / 10^k rounds exactly as JSON.parse does. */
const MAX_FAST_DIGITS = 15;
const POW10 = Array.from({ length: MAX_FAST_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * V8 makes a substring of 13 characters or more a slice that keeps its parent
 * (a whole chunk) alive; shorter ones are copies. So a string kept past its
 * chunk is copied: JSON.parse of the quoted token makes a fresh flat string.
 * `s[start - 1]` and `s[end]` must be the token's quotes.
 */
function copyToken(s: string, start: number, end: number): string {
  return end - start < 13 ? s.slice(start, end) : (JSON.parse(s.slice(start - 1, end + 1)) as string);
}

/** `s.slice(start, end)` that does not keep `s` alive (see copyToken); for the rare new name. */
export function detachedSlice(s: string, start: number, end: number): string {
  const sub = s.slice(start, end);
  return sub.length < 13 ? sub : (JSON.parse(JSON.stringify(sub)) as string);
}

export class JsonScan {
  s = '';
  p = 0;
  /** Index of the line's terminating newline: nothing may be read at or past it. */
  end = 0;
  /** Index of the closing quote of the last key read. */
  keyEnd = 0;
  private readonly stack = new Uint8Array(MAX_DEPTH);

  at(s: string, p: number, end: number): void {
    this.s = s;
    this.p = p;
    this.end = end;
  }

  peek(): number {
    return this.s.charCodeAt(this.p);
  }

  expect(c: number): void {
    if (this.s.charCodeAt(this.p) !== c) bail();
    this.p++;
  }

  /** At an opening quote: the index of the closing one; `p` moves past it. */
  stringEnd(): number {
    if (this.s.charCodeAt(this.p) !== QUOTE) bail();
    const q = stringEndAt(this.s, this.p, this.end);
    if (q === -1) bail();
    this.p = q + 1;
    return q;
  }

  /** At a key: moves past `"key":` and returns the index where the key's text starts (its length is `keyEnd − start`). */
  key(): number {
    const start = this.p + 1;
    this.keyEnd = this.stringEnd();
    this.expect(COLON);
    return start;
  }

  keyIs(start: number, name: string): boolean {
    return this.keyEnd - start === name.length && this.s.startsWith(name, start);
  }

  string(): string {
    const start = this.p + 1;
    const q = this.stringEnd();
    return copyToken(this.s, start, q);
  }

  /** A JSON number, exactly as JSON.parse reads it. */
  number(): number {
    const s = this.s;
    const start = this.p;
    let p = start;
    let neg = false;
    let c = s.charCodeAt(p);
    if (c === MINUS) {
      neg = true;
      c = s.charCodeAt(++p);
    }
    let m = 0;
    let digits = 0;
    if (c === ZERO) {
      c = s.charCodeAt(++p);
      if (c >= ZERO && c <= NINE) bail();
    } else if (c > ZERO && c <= NINE) {
      do {
        m = m * 10 + (c - ZERO);
        digits++;
        c = s.charCodeAt(++p);
      } while (c >= ZERO && c <= NINE);
    } else bail();
    let frac = 0;
    if (c === DOT) {
      c = s.charCodeAt(++p);
      if (!(c >= ZERO && c <= NINE)) bail();
      do {
        m = m * 10 + (c - ZERO);
        digits++;
        frac++;
        c = s.charCodeAt(++p);
      } while (c >= ZERO && c <= NINE);
    }
    let exact = digits <= MAX_FAST_DIGITS;
    if (c === LOWER_E || c === UPPER_E) {
      c = s.charCodeAt(++p);
      if (c === PLUS || c === MINUS) c = s.charCodeAt(++p);
      if (!(c >= ZERO && c <= NINE)) bail();
      do c = s.charCodeAt(++p);
      while (c >= ZERO && c <= NINE);
      exact = false;
    }
    this.p = p;
    if (!exact) return Number(s.slice(start, p));
    const v = frac === 0 ? m : m / POW10[frac]!;
    return neg ? -v : v;
  }

  /** Past one value of any kind, checking it is well-formed JSON. */
  skip(): void {
    const q = skipValue(this.s, this.p, this.end, this.stack);
    if (q === -1) bail();
    this.p = q;
  }

  private literal(c: number): boolean | null {
    const s = this.s;
    if (c === 0x74 && s.startsWith('true', this.p)) {
      this.p += 4;
      return true;
    }
    if (c === 0x66 && s.startsWith('false', this.p)) {
      this.p += 5;
      return false;
    }
    if (c === 0x6e && s.startsWith('null', this.p)) {
      this.p += 4;
      return null;
    }
    return bail();
  }

  /** The whole value, as JSON.parse gives it. */
  value(): unknown {
    const c = this.peek();
    if (c === QUOTE) return this.string();
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number();
    if (c === LBRACE || c === LBRACKET) {
      const start = this.p;
      this.skip();
      return JSON.parse(this.s.slice(start, this.p));
    }
    return this.literal(c);
  }

  /** The value with only the projected parts built (see Projection). */
  project(p: CompiledProjection): unknown {
    const c = this.peek();
    if (p.kind === OBJECT && c === LBRACE) {
      const out: Record<string, unknown> = {};
      this.p++;
      if (this.peek() === RBRACE) {
        this.p++;
        return out;
      }
      const keys = p.keys;
      for (;;) {
        const start = this.key();
        let i = 0;
        while (i < keys.length && !this.keyIs(start, keys[i]!)) i++;
        // A repeated key reads as its last value, as in JSON.parse.
        if (i < keys.length) out[keys[i]!] = this.project(p.parts[i]!);
        else this.skip();
        const d = this.peek();
        this.p++;
        if (d === COMMA) continue;
        if (d !== RBRACE) bail();
        return out;
      }
    }
    if (p.kind === ARRAY && c === LBRACKET) {
      const out: unknown[] = [];
      this.p++;
      if (this.peek() === RBRACKET) {
        this.p++;
        return out;
      }
      const part = p.parts[0]!;
      for (;;) {
        out.push(this.project(part));
        const d = this.peek();
        this.p++;
        if (d === COMMA) continue;
        if (d !== RBRACKET) bail();
        return out;
      }
    }
    return this.value();
  }
}

/**
 * The end of a JSON string whose opening quote is at `p`, or -1 at an escape or a raw
 * control character (which JSON.parse then unescapes or refuses) or the end of the line.
 * Checking each character costs little more than finding the quote: most strings are short.
 */
function stringEndAt(s: string, p: number, end: number): number {
  for (let q = p + 1; q < end; q++) {
    const c = s.charCodeAt(q);
    if (c === QUOTE) return q;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

/** The end of a JSON number at `p`, its grammar checked, or -1. */
function numberEndAt(s: string, p: number): number {
  let c = s.charCodeAt(p);
  if (c === MINUS) c = s.charCodeAt(++p);
  if (c === ZERO) {
    c = s.charCodeAt(++p);
    if (c >= ZERO && c <= NINE) return -1;
  } else if (c > ZERO && c <= NINE) {
    do c = s.charCodeAt(++p);
    while (c >= ZERO && c <= NINE);
  } else return -1;
  if (c === DOT) {
    c = s.charCodeAt(++p);
    if (!(c >= ZERO && c <= NINE)) return -1;
    do c = s.charCodeAt(++p);
    while (c >= ZERO && c <= NINE);
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = s.charCodeAt(++p);
    if (c === PLUS || c === MINUS) c = s.charCodeAt(++p);
    if (!(c >= ZERO && c <= NINE)) return -1;
    do c = s.charCodeAt(++p);
    while (c >= ZERO && c <= NINE);
  }
  return p;
}

/**
 * The end of the JSON value at `p`, checked to be well-formed, or -1. One loop
 * over locals (no calls but for long strings): it runs over most of a history.
 */
function skipValue(s: string, p: number, end: number, stack: Uint8Array): number {
  let depth = 0;
  for (;;) {
    let c = s.charCodeAt(p);
    if (c === QUOTE) {
      p = stringEndAt(s, p, end);
      if (p === -1) return -1;
      p++;
    } else if (c === LBRACE || c === LBRACKET) {
      const close = c === LBRACE ? RBRACE : RBRACKET;
      if (s.charCodeAt(++p) === close) p++;
      else {
        if (depth === MAX_DEPTH) return -1;
        stack[depth++] = c === LBRACE ? OBJECT : ARRAY;
        if (c === LBRACE) {
          if (s.charCodeAt(p) !== QUOTE) return -1;
          p = stringEndAt(s, p, end);
          if (p === -1 || s.charCodeAt(p + 1) !== COLON) return -1;
          p += 2;
        }
        continue;
      }
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      p = numberEndAt(s, p);
      if (p === -1) return -1;
    } else if (c === 0x74 && s.startsWith('true', p)) p += 4;
    else if (c === 0x66 && s.startsWith('false', p)) p += 5;
    else if (c === 0x6e && s.startsWith('null', p)) p += 4;
    else return -1;
    // After a value: close what ends here, then expect the next element.
    for (;;) {
      if (depth === 0) return p;
      c = s.charCodeAt(p);
      const inObject = stack[depth - 1] === OBJECT;
      if (c === COMMA) {
        p++;
        if (inObject) {
          if (s.charCodeAt(p) !== QUOTE) return -1;
          p = stringEndAt(s, p, end);
          if (p === -1 || s.charCodeAt(p + 1) !== COLON) return -1;
          p += 2;
        }
        break;
      }
      if (c !== (inObject ? RBRACE : RBRACKET)) return -1;
      p++;
      depth--;
    }
  }
}
