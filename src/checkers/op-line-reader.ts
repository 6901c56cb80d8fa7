// The history index's fast path: reads an invoke or completion line straight
// from the chunk, with the same checks the entry schema makes, building only
// the op value's parts the fact readers use (their projections). Whatever it
// does not take (another entry type, a line out of the usual shape, a value it
// would have to unescape) goes back to the reader's JSON.parse + schema path,
// so both paths index a history identically.
import { BAIL, type CompiledProjection, JsonScan } from '../history/json-scan.ts';
import { WALL_TIME_PATTERN } from '../model/history-entry.ts';
import type { Interner, OpIdColumn, OpKey } from './columns.ts';

export const LINE_INVOKE = 0;
export const LINE_OK = 1;
export const LINE_FAIL = 2;
export const LINE_INFO = 3;

/** Which projection of an op's value the index reads, by line type and function id; undefined: none. */
export type ValueProjections = (type: number, f: number) => CompiledProjection | undefined;

// The entry schema's fields, by index; as bits (1 << index) for the seen / required sets.
const K_OP = 0;
const K_PROCESS = 1;
const K_F = 2;
const K_VALUE = 3;
const K_SCHEDULED = 4;
const K_SENT = 5;
const K_LATENESS = 6;
const K_WALL_TIME = 7;
const K_COMPLETED = 8;
const K_LATENCY = 9;
const K_ERROR = 10;
/** After a field the schema does not have. */
const K_OTHER = 11;
const KEY_TOKENS = [
  '"op":',
  '"process":',
  '"f":',
  '"value":',
  '"scheduledNs":',
  '"sentNs":',
  '"latenessMs":',
  '"wallTime":',
  '"completedNs":',
  '"latencyMs":',
  '"error":',
];
const INVOKE_FIELDS = 0b00011111111;
const COMPLETION_FIELDS = 0b11100001111;
const INVOKE_REQUIRED =
  (1 << K_OP) | (1 << K_PROCESS) | (1 << K_F) | (1 << K_SCHEDULED) | (1 << K_SENT) | (1 << K_LATENESS);
const COMPLETION_REQUIRED =
  (1 << K_OP) | (1 << K_PROCESS) | (1 << K_F) | (1 << K_COMPLETED) | (1 << K_LATENCY);

const COMMA = 0x2c;
const RBRACE = 0x7d;
const LBRACE = 0x7b;
const QUOTE = 0x22;

/** Reads one line into its own fields (reused line after line, so reading allocates little). */
export class OpLineReader {
  type = LINE_INVOKE;
  key: OpKey = 0;
  f = 0;
  value: unknown;
  scheduledNs = 0;
  sentNs = 0;
  completedNs = 0;
  latencyMs = 0;
  /** Error code id; 0 = none. */
  code = 0;
  private codeAt = -1;
  private codeEnd = 0;
  private readonly scan = new JsonScan();
  /** Field index → the field that followed it on the last line of that kind (-1: none guessed). */
  private readonly nextInvokeField = new Int8Array(K_OTHER + 1).fill(-1);
  private readonly nextCompletionField = new Int8Array(K_OTHER + 1).fill(-1);
  private readonly ops: OpIdColumn;
  private readonly fs: Interner;
  private readonly codes: Interner;
  private readonly projections: ValueProjections;

  constructor(ops: OpIdColumn, fs: Interner, codes: Interner, projections: ValueProjections) {
    this.ops = ops;
    this.fs = fs;
    this.codes = codes;
    this.projections = projections;
  }

  /** True when `s[start, end)` is an op entry and its fields are read; false: leave it to JSON.parse. */
  read(s: string, start: number, end: number): boolean {
    // The writer puts the type first; a line that does not is read the slow way.
    if (!s.startsWith('{"type":"', start)) return false;
    const t = start + 9;
    let type: number;
    let p: number;
    if (s.startsWith('invoke"', t)) {
      type = LINE_INVOKE;
      p = t + 7;
    } else if (s.startsWith('ok"', t)) {
      type = LINE_OK;
      p = t + 3;
    } else if (s.startsWith('fail"', t)) {
      type = LINE_FAIL;
      p = t + 5;
    } else if (s.startsWith('info"', t)) {
      type = LINE_INFO;
      p = t + 5;
    } else return false;
    try {
      return this.fields(s, p, end, type);
    } catch (e) {
      if (e === BAIL) return false;
      throw e;
    }
  }

  private fields(s: string, p: number, end: number, type: number): boolean {
    const scan = this.scan;
    scan.at(s, p, end);
    const invoke = type === LINE_INVOKE;
    const allowed = invoke ? INVOKE_FIELDS : COMPLETION_FIELDS;
    // Lines of one writer repeat one field order: each field's successor is guessed from the
    // last line, so a key costs one comparison instead of a scan and a lookup.
    const next = invoke ? this.nextInvokeField : this.nextCompletionField;
    let prev = K_OTHER;
    let seen = 0;
    let valueAt = -1;
    let value: unknown;
    let f = -1;
    let fAt = 0;
    let fEnd = 0;
    this.codeAt = -1;
    while (scan.peek() === COMMA) {
      scan.p++;
      let key = next[prev]!;
      if (key !== -1 && s.startsWith(KEY_TOKENS[key]!, scan.p)) scan.p += KEY_TOKENS[key]!.length;
      else {
        const k = scan.key();
        key = fieldOf(s, k, scan.keyEnd - k);
        if (key !== -1 && ((1 << key) & allowed) === 0) key = -1;
        next[prev] = key;
      }
      if (key === -1) {
        // Not in the schema: zod strips it, so it is only checked to be JSON.
        scan.skip();
        prev = K_OTHER;
        continue;
      }
      const bit = 1 << key;
      // A repeated field: JSON.parse keeps the last, which this reader does not model.
      if ((seen & bit) !== 0) return false;
      seen |= bit;
      prev = key;
      switch (key) {
        case K_OP: {
          const a = scan.p + 1;
          const q = scan.stringEnd();
          if (q === a) return false;
          this.key = this.ops.keyOfSlice(s, a, q);
          break;
        }
        case K_PROCESS:
          if (scan.peek() === QUOTE) scan.stringEnd();
          else if (!Number.isFinite(scan.number())) return false;
          break;
        case K_F: {
          fAt = scan.p + 1;
          fEnd = scan.stringEnd();
          // Only found here: a name is added once the line is known to be good (a line that
          // falls back must leave the tables as JSON.parse + add() would).
          f = this.fs.findSlice(s, fAt, fEnd);
          break;
        }
        case K_VALUE: {
          const projection = f === -1 ? undefined : this.projections(type, f);
          valueAt = scan.p;
          if (projection !== undefined) value = scan.project(projection);
          else scan.skip();
          break;
        }
        case K_SCHEDULED:
          this.scheduledNs = ns(scan.number());
          break;
        case K_SENT:
          this.sentNs = ns(scan.number());
          break;
        case K_LATENESS:
          ms(scan.number());
          break;
        case K_WALL_TIME: {
          const a = scan.p + 1;
          const q = scan.stringEnd();
          if (WALL_TIME_PATTERN === undefined || !WALL_TIME_PATTERN.test(s.slice(a, q))) return false;
          break;
        }
        case K_COMPLETED:
          this.completedNs = ns(scan.number());
          break;
        case K_LATENCY:
          this.latencyMs = ms(scan.number());
          break;
        case K_ERROR:
          this.error();
          break;
      }
    }
    if (scan.peek() !== RBRACE || scan.p + 1 !== end) return false;
    const required = invoke ? INVOKE_REQUIRED : COMPLETION_REQUIRED;
    if ((seen & required) !== required) return false;
    // The value came before `f`: now that the function is known, read what it needs.
    if (valueAt !== -1 && value === undefined) {
      const projection = this.projections(type, f);
      if (projection !== undefined) {
        scan.p = valueAt;
        value = scan.project(projection);
      }
    }
    this.type = type;
    this.f = f !== -1 ? f : this.fs.idOfSlice(s, fAt, fEnd);
    this.code = this.codeAt === -1 ? 0 : this.codes.idOfSlice(s, this.codeAt, this.codeEnd);
    this.value = value;
    return true;
  }

  /** `{"code":…,"message":…}` (other keys stripped, as zod does): where the code is, in codeAt / codeEnd. */
  private error(): void {
    const scan = this.scan;
    scan.expect(LBRACE);
    let message = false;
    if (scan.peek() !== RBRACE) {
      for (;;) {
        const k = scan.key();
        if (scan.keyIs(k, 'code')) {
          if (this.codeAt !== -1) throw BAIL;
          this.codeAt = scan.p + 1;
          this.codeEnd = scan.stringEnd();
        } else if (scan.keyIs(k, 'message')) {
          if (message) throw BAIL;
          scan.stringEnd();
          message = true;
        } else scan.skip();
        if (scan.peek() !== COMMA) break;
        scan.p++;
      }
    }
    scan.expect(RBRACE);
    if (this.codeAt === -1 || !message) throw BAIL;
  }
}

/** The entry schema's nanoseconds: a safe integer ≥ 0. */
function ns(v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw BAIL;
  return v;
}

/** The entry schema's milliseconds: a finite number ≥ 0. */
function ms(v: number): number {
  if (!Number.isFinite(v) || v < 0) throw BAIL;
  return v;
}

/** The field index of the key `s[k, k + len)`, or -1 when the schema has no such field. */
function fieldOf(s: string, k: number, len: number): number {
  const is = (name: string) => s.startsWith(name, k);
  switch (len) {
    case 1:
      return is('f') ? K_F : -1;
    case 2:
      return is('op') ? K_OP : -1;
    case 5:
      return is('value') ? K_VALUE : is('error') ? K_ERROR : -1;
    case 6:
      return is('sentNs') ? K_SENT : -1;
    case 7:
      return is('process') ? K_PROCESS : -1;
    case 8:
      return is('wallTime') ? K_WALL_TIME : -1;
    case 9:
      return is('latencyMs') ? K_LATENCY : -1;
    case 10:
      return is('latenessMs') ? K_LATENESS : -1;
    case 11:
      return is('scheduledNs') ? K_SCHEDULED : is('completedNs') ? K_COMPLETED : -1;
    default:
      return -1;
  }
}
