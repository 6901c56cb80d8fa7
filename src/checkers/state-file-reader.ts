// Reads a large JSON document (the oracle's state.json: a few objects around
// arrays of hundreds of thousands of rows) without ever holding its text: the
// file streams through a 64 KB window, the few outer objects are walked here,
// and array elements are handed to JSON.parse a window's worth at a time. The
// result is what JSON.parse of the whole file would give; memory is the result
// plus a window, where JSON.parse needs the text too (as large as the result).
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { FinalState } from '../model/final-state.ts';

/** Read a megabyte at a time (fewer trips to the thread pool), decode 64 KB at a time (young strings). */
const READ_BYTES = 1024 * 1024;
const WINDOW_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Reads `path` as JSON, streaming. The caller vouches for the shape (as with JSON.parse). */
export async function readFinalStateFile(path: string): Promise<FinalState> {
  return (await readJsonFile(path)) as FinalState;
}

/** `windowBytes`: how much text is decoded at a time (tests use tiny windows to cut values anywhere). */
export async function readJsonFile(path: string, options: { windowBytes?: number } = {}): Promise<unknown> {
  const handle = await open(path, 'r');
  try {
    const reader = new JsonStreamReader(handle, options.windowBytes ?? WINDOW_BYTES);
    return await reader.document();
  } finally {
    await handle.close();
  }
}

class JsonStreamReader {
  private readonly handle: Awaited<ReturnType<typeof open>>;
  private readonly bytes = Buffer.allocUnsafe(READ_BYTES);
  private bytesAt = 0;
  private bytesEnd = 0;
  private readonly decoder = new StringDecoder('utf8');
  private text = '';
  private p = 0;
  private eof = false;
  /** Characters consumed before the window, for error positions. */
  private consumed = 0;

  private readonly windowBytes: number;

  constructor(handle: Awaited<ReturnType<typeof open>>, windowBytes: number) {
    this.handle = handle;
    this.windowBytes = windowBytes;
  }

  async document(): Promise<unknown> {
    const v = await this.value();
    await this.ws();
    if (this.p < this.text.length || !this.eof) this.fail('unexpected text after the document');
    return v;
  }

  /** Drops what was read and appends the next piece of the file; false at the end. */
  private async more(): Promise<boolean> {
    if (this.eof) return false;
    if (this.bytesAt === this.bytesEnd) {
      const { bytesRead } = await this.handle.read(this.bytes, 0, this.bytes.length, null);
      this.bytesAt = 0;
      this.bytesEnd = bytesRead;
    }
    let piece: string;
    if (this.bytesEnd === 0) {
      piece = this.decoder.end();
      this.eof = true;
    } else {
      const to = Math.min(this.bytesAt + this.windowBytes, this.bytesEnd);
      piece = this.decoder.write(this.bytes.subarray(this.bytesAt, to));
      this.bytesAt = to;
    }
    this.consumed += this.p;
    this.text = this.text.slice(this.p) + piece;
    this.p = 0;
    return true;
  }

  private async ws(): Promise<void> {
    for (;;) {
      while (this.p < this.text.length && isWs(this.text.charCodeAt(this.p))) this.p++;
      if (this.p < this.text.length || !(await this.more())) return;
    }
  }

  /** The next non-space character, read more if needed; NaN at the end of the file. */
  private async peek(): Promise<number> {
    await this.ws();
    return this.text.charCodeAt(this.p);
  }

  private async expect(c: number): Promise<void> {
    if ((await this.peek()) !== c) this.fail(`expected '${String.fromCharCode(c)}'`);
    this.p++;
  }

  private async value(): Promise<unknown> {
    const c = await this.peek();
    if (c === LBRACE) return this.object();
    if (c === LBRACKET) return this.array();
    // A string, number or literal: its end found here, its value read by JSON.parse.
    for (;;) {
      const end = valueEnd(this.text, this.p);
      if (end !== -1 && (end < this.text.length || this.eof)) {
        const v = this.parse(this.text.slice(this.p, end));
        this.p = end;
        return v;
      }
      if (!(await this.more())) this.fail('the file ends inside a value');
    }
  }

  private async object(): Promise<Record<string, unknown>> {
    this.p++;
    const out: Record<string, unknown> = {};
    if ((await this.peek()) === RBRACE) {
      this.p++;
      return out;
    }
    for (;;) {
      if ((await this.peek()) !== QUOTE) this.fail('expected a key');
      const key = (await this.value()) as string;
      await this.expect(COLON);
      const v = await this.value();
      // As JSON.parse does: an own property even for `__proto__`, the last of repeated keys.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
      else out[key] = v;
      const c = await this.peek();
      this.p++;
      if (c === RBRACE) return out;
      if (c !== COMMA) this.fail("expected ',' or '}'");
    }
  }

  /**
   * Elements are cut from the window in runs: after the first element, every element
   * of a row array usually starts with the same key (`,{"orderId":`), so the last such
   * cut in the window ends a run that JSON.parse reads in one call. A cut inside a
   * nested value leaves the run unbalanced, which JSON.parse refuses; then elements
   * are read one by one, their ends found by scanning.
   */
  private async array(): Promise<unknown[]> {
    this.p++;
    const out: unknown[] = [];
    if ((await this.peek()) === RBRACKET) {
      this.p++;
      return out;
    }
    let cut: string | undefined;
    // A window where a run failed to parse (the last cut lies past the array's end, or
    // deeper) is read element by element: retrying earlier cuts could parse it again and again.
    let failedWindow: string | undefined;
    for (;;) {
      await this.ws();
      if (cut === undefined && out.length > 0 && out.length < 8) cut = elementCut(this.text, this.p);
      if (cut !== undefined && this.text !== failedWindow) {
        const at = this.text.lastIndexOf(cut);
        if (at > this.p) {
          const run = tryParse(`[${this.text.slice(this.p, at)}]`);
          if (run !== undefined) {
            for (let i = 0; i < run.length; i++) out.push(run[i]);
            this.p = at + 1;
            continue;
          }
          failedWindow = this.text;
        }
      }
      out.push(await this.element());
      const c = await this.peek();
      this.p++;
      if (c === RBRACKET) return out;
      if (c !== COMMA) this.fail("expected ',' or ']'");
    }
  }

  /** One array element: its end found by scanning (reading more as needed), parsed by JSON.parse. */
  private async element(): Promise<unknown> {
    const c = await this.peek();
    if (c !== LBRACE && c !== LBRACKET) return this.value();
    for (;;) {
      const end = compositeEnd(this.text, this.p);
      if (end !== -1) {
        const v = this.parse(this.text.slice(this.p, end));
        this.p = end;
        return v;
      }
      if (!(await this.more())) this.fail('the file ends inside a value');
    }
  }

  private parse(json: string): unknown {
    try {
      return JSON.parse(json);
    } catch (cause) {
      return this.fail((cause as Error).message);
    }
  }

  private fail(what: string): never {
    throw new SyntaxError(`JSON at character ${this.consumed + this.p}: ${what}`);
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function tryParse(json: string): unknown[] | undefined {
  try {
    return JSON.parse(json) as unknown[];
  } catch {
    return undefined;
  }
}

/** `,{"key":` when the element at `p` is an object that starts with a plain key, else undefined. */
function elementCut(s: string, p: number): string | undefined {
  if (s.charCodeAt(p) !== LBRACE || s.charCodeAt(p + 1) !== QUOTE) return undefined;
  const q = s.indexOf('"', p + 2);
  if (q === -1 || s.charCodeAt(q + 1) !== COLON || s.lastIndexOf('\\', q) > p) return undefined;
  return `,${s.slice(p, q + 2)}`;
}

/** The end of the string whose opening quote is at `p`, or -1 if it is not in `s` yet. */
function stringEnd(s: string, p: number): number {
  let q = p;
  for (;;) {
    q = s.indexOf('"', q + 1);
    if (q === -1) return -1;
    let backslashes = 0;
    while (s.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if ((backslashes & 1) === 0) return q + 1;
  }
}

/** The end of the string, number or literal at `p`; -1 if it may go on past the window. */
function valueEnd(s: string, p: number): number {
  if (s.charCodeAt(p) === QUOTE) return stringEnd(s, p);
  let q = p;
  while (q < s.length) {
    const c = s.charCodeAt(q);
    if (c === COMMA || c === RBRACE || c === RBRACKET || c === COLON || isWs(c)) return q;
    q++;
  }
  return q;
}

/** The end of the object or array at `p` (brackets balanced, strings skipped); -1 if not in the window. */
function compositeEnd(s: string, p: number): number {
  let depth = 0;
  for (let q = p; q < s.length; q++) {
    const c = s.charCodeAt(q);
    if (c === QUOTE) {
      const e = stringEnd(s, q);
      if (e === -1) return -1;
      q = e - 1;
    } else if (c === LBRACE || c === LBRACKET) depth++;
    else if (c === RBRACE || c === RBRACKET) {
      if (--depth === 0) return q + 1;
    }
  }
  return -1;
}
