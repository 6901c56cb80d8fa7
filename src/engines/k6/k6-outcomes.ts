// k6's outcome lines → history entries, exactly as the node engine writes them:
// an invoke per attempt (before it was sent), then ok | fail | info with the
// value the node fleets would record (src/targets/reference-store/store-answers.ts reads the
// answer), latency from the scheduled time, the device renamed after each info.
// Lines come from many VUs and are a little out of order, so entries wait in a
// short reorder window and leave in time order; times move from k6's clock
// (ms since its test started) onto the run clock via the `start` line.

import type { Histogram } from 'hdr-histogram-js';
import { OrderRegistry } from '../../../simulators/order-registry.ts';
import type { RunClock } from '../../history/run-clock.ts';
import {
  type CompletionEntry,
  type InvokeEntry,
  nsToMs,
  type OpError,
  opIdPrefix,
  type Shard,
} from '../../model/history-entry.ts';
import { OP, type ReturnInvokeValue } from '../../model/op-values.ts';
import {
  checkoutOk,
  completionOf,
  offlineSyncOk,
  readStockOk,
  returnOk,
  webhookCompletion,
} from '../../targets/reference-store/store-answers.ts';
import type { HttpOutcome } from '../../targets/reference-store/store-http.ts';
import { type Completion, createLatencyHistogram, type HistorySink } from '../open-model-scheduler.ts';
import type { K6Plan } from './k6-plan.ts';

/** The k6 history's run id: its op ids can then never collide with the node engine's of the same run. */
export function k6RunId(runId: string): string {
  return `${runId}.k6`;
}

/** Lines the script writes (see k6-script.ts). */
export type K6Line =
  | { readonly e: 'start'; readonly w: number; readonly d: number; readonly o: number; readonly n: number }
  | {
      readonly e: 'i';
      readonly i: number;
      readonly a: number;
      readonly s: number;
      readonly q?: number;
      readonly o?: string;
    }
  | {
      readonly e: 'c';
      readonly i: number;
      readonly a: number;
      readonly c: number;
      readonly st: number;
      readonly b?: string | null;
      readonly ec?: number;
      readonly em?: string;
    }
  | { readonly e: 'x'; readonly i: number; readonly why: string };

/**
 * Checkouts' outcomes by Idempotency-Key for returns sent from k6 (its VUs share nothing):
 * fed by the converters of a run, asked by the script over HTTP (k6-order-registry-server.ts).
 */
export class K6OrderRegistry {
  readonly orders = new OrderRegistry();
  /** Checkout keys some running shard will send: absent until then means "not yet". */
  private readonly expected = new Map<string, number>();

  expect(key: string): void {
    this.expected.set(key, (this.expected.get(key) ?? 0) + 1);
  }

  /** A planned checkout will not be sent after all (its shard ended without it). */
  unexpect(key: string): void {
    const n = (this.expected.get(key) ?? 0) - 1;
    if (n <= 0) this.expected.delete(key);
    else this.expected.set(key, n);
  }

  lookup(key: string): { state: string; orderId?: string } {
    const found = this.orders.lookup(key);
    if (found.state === 'absent' && this.expected.has(key)) return { state: 'pending' };
    return found.orderId === undefined
      ? { state: found.state }
      : { state: found.state, orderId: found.orderId };
  }
}

export interface K6OutcomeOptions {
  /** The k6 history's run id (k6RunId of the run's). */
  readonly runId: string;
  readonly shard?: Shard;
  readonly plan: K6Plan;
  readonly clock: RunClock;
  readonly history: HistorySink;
  readonly registry?: K6OrderRegistry;
  /** Entries are held this long (k6 time) before they are written, to put VUs' lines in order. */
  readonly reorderWindowMs?: number;
  /** An ISO wallTime on each invoke, as the scheduler writes by default. */
  readonly wallTime?: boolean;
  /** Plan time 0 on the run clock, once k6 has said when it is. */
  readonly onStart?: (planStartNs: number) => void;
}

export interface K6OutcomeCounts {
  sent: number;
  ok: number;
  fail: number;
  info: number;
  /** Planned ops of this shard k6 never ran (too few VUs: its dropped iterations). */
  dropped: number;
  /** Sent, no completion when k6 stopped: recorded as info. */
  abandoned: number;
  /** Entries whose time was moved up to keep the file in order (a line later than the window). */
  reordered: number;
  /** Lines that were not outcome lines. */
  ignoredLines: number;
  leftOut: Record<string, number>;
}

interface Pending {
  readonly ns: number;
  readonly seq: number;
  readonly kind: 'invoke' | 'complete';
  readonly key: string;
  readonly entry: InvokeEntry | CompletionEntry;
  readonly device: string;
}

interface Arrived {
  readonly scheduledNs: number;
  readonly sentNs: number;
  readonly f: string;
  readonly device: string;
  completed: boolean;
}

const NOT_SENT_K6_CODES = (c: number) => c === 1020 || (c >= 1100 && c < 1200) || (c >= 1210 && c < 1220);

const K6_ERROR_NAMES: Record<number, string> = {
  1050: 'request-timeout',
  1101: 'ENOTFOUND',
  1201: 'EPIPE',
  1211: 'UND_ERR_CONNECT_TIMEOUT',
  1212: 'ECONNREFUSED',
  1220: 'ECONNRESET',
};

/** A k6 request error code as the node fleets name errors where there is a counterpart. */
export function k6ErrorCode(code: number): string {
  return K6_ERROR_NAMES[code] ?? `k6-${code}`;
}

/** What the node fleet's HTTP client would have made of k6's response. */
export function k6HttpOutcome(
  status: number,
  body: string | null | undefined,
  code = 0,
  message = '',
): HttpOutcome {
  if (status > 0) return { kind: 'answer', status, body: parseBody(body) };
  const error: OpError = { code: k6ErrorCode(code), message: message || `k6 error ${code}` };
  return NOT_SENT_K6_CODES(code) ? { kind: 'not-sent', error } : { kind: 'unknown', error };
}

/** The completion a node fleet records for an answer to op function f. */
export function completionFor(f: string, outcome: HttpOutcome): Completion {
  switch (f) {
    case OP.checkout:
      return completionOf(outcome, checkoutOk);
    case OP.return:
    case OP.exchange:
      return completionOf(outcome, returnOk);
    case OP.readStock:
      return completionOf(outcome, readStockOk);
    case OP.offlineSync:
      return completionOf(outcome, offlineSyncOk);
    case OP.webhook:
      return webhookCompletion(outcome);
    default:
      return completionOf(outcome, (body) => body);
  }
}

function parseBody(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text.length === 0) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class K6OutcomeConverter {
  readonly counts: K6OutcomeCounts = {
    sent: 0,
    ok: 0,
    fail: 0,
    info: 0,
    dropped: 0,
    abandoned: 0,
    reordered: 0,
    ignoredLines: 0,
    leftOut: {},
  };
  /** Completion − scheduled, µs (coordinated-omission corrected, as the scheduler's). */
  readonly latencyHistogram: Histogram = createLatencyHistogram();
  /** Sent − scheduled, µs. */
  readonly latenessHistogram: Histogram = createLatencyHistogram();
  private readonly options: K6OutcomeOptions;
  private readonly prefix: string;
  private readonly windowMs: number;
  private anchorWallMs = 0;
  private anchorRunNs = 0;
  /** k6's test start from the start line, in ms after the anchor's wall-clock time. */
  private k6StartWallMs: number | undefined;
  private originD = 0;
  private readonly heap: Pending[] = [];
  private seq = 0;
  private maxSeenNs = 0;
  private lastWrittenNs = 0;
  private readonly arrived = new Map<string, Arrived>();
  /** Op indexes this shard reported in any way (invoked or left out). */
  private readonly reported = new Set<number>();
  private readonly processOf = new Map<string, string | number>();
  private readonly renames = new Map<string, number>();
  private finished = false;

  constructor(options: K6OutcomeOptions) {
    this.options = options;
    this.prefix = opIdPrefix(options.runId, options.shard);
    this.windowMs = options.reorderWindowMs ?? 2_000;
    for (const key of this.plannedCheckoutKeys()) options.registry?.expect(key);
    this.anchor();
  }

  /** Ties the wall clock to the run clock; call right before k6 starts. */
  anchor(): void {
    this.anchorRunNs = this.options.clock.nowNs();
    // Date.now() floors to the ms, as k6's does: +0.5 halves the expected error.
    this.anchorWallMs = Date.now() + 0.5;
  }

  /** Plan time 0 on the run clock, once the start line has been read. */
  get planStartNs(): number | undefined {
    return this.k6StartWallMs === undefined ? undefined : this.toRunNs(this.originD);
  }

  /** Whether op `i` is this shard's to run (k6 stripes equal execution segments by index). */
  owns(i: number): boolean {
    const shard = this.options.shard;
    return shard === undefined || i % shard.count === shard.index;
  }

  line(text: string): void {
    if (this.finished || text.length === 0 || text.charCodeAt(0) !== 0x7b) {
      if (text.length > 0) this.counts.ignoredLines++;
      return;
    }
    let line: K6Line;
    try {
      line = JSON.parse(text) as K6Line;
    } catch {
      this.counts.ignoredLines++;
      return;
    }
    switch (line.e) {
      case 'start':
        this.start(line);
        return;
      case 'i':
        if (this.k6StartWallMs === undefined || this.op(line.i) === undefined) break;
        this.invoke(line);
        return;
      case 'c':
        if (this.k6StartWallMs === undefined || this.op(line.i) === undefined) break;
        this.complete(line);
        return;
      case 'x':
        this.reported.add(line.i);
        this.counts.leftOut[line.why] = (this.counts.leftOut[line.why] ?? 0) + 1;
        return;
    }
    this.counts.ignoredLines++;
  }

  /**
   * Writes what is held, records ops still out as info (k6 stopped with them in flight), and,
   * when k6 ran to its end, each op of this shard it never ran as a drop. Returns when it ended.
   */
  finish(how: 'completed' | 'stopped', reason: string): number {
    if (this.finished) return this.lastWrittenNs;
    this.finished = true;
    while (this.heap.length > 0) this.write(this.pop());
    const endNs = Math.max(this.lastWrittenNs, this.options.clock.nowNs());
    const error: OpError =
      how === 'completed'
        ? { code: 'k6-unanswered', message: `k6 ended with the request out: ${reason}` }
        : { code: 'aborted', message: `k6 stopped with the request out: ${reason}` };
    for (const [key, a] of this.arrived) {
      if (a.completed) continue;
      const process = this.processOf.get(key) ?? a.device;
      this.emit({
        type: 'info',
        op: this.opId(key),
        process,
        f: a.f,
        completedNs: endNs,
        latencyMs: nsToMs(Math.max(0, endNs - a.scheduledNs)),
        error,
      });
      this.counts.abandoned++;
      this.counts.info++;
      this.rename(a.device);
      this.settleRegistry(a.f, key, 'info', undefined);
    }
    const plan = this.options.plan;
    for (let i = 0; i < plan.ops.length; i++) {
      if (!this.owns(i) || this.reported.has(i)) continue;
      const op = plan.ops[i]!;
      if (op.n === OP.checkout && op.k !== null) this.options.registry?.unexpect(op.k);
      // Only a run k6 finished says an unsent op was dropped; a stopped one just ended before it.
      if (how !== 'completed' || this.k6StartWallMs === undefined) continue;
      this.emit({
        type: 'drop',
        op: this.prefix + i,
        process: this.currentProcess(op.d),
        f: plan.sources[i]!.f,
        scheduledNs: this.toRunNs(this.originD + op.t),
        atNs: endNs,
        reason: 'max-in-flight',
      });
      this.counts.dropped++;
    }
    this.lastWrittenNs = endNs;
    return endNs;
  }

  private *plannedCheckoutKeys(): Iterable<string> {
    const ops = this.options.plan.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op.n === OP.checkout && op.k !== null && this.owns(i)) yield op.k;
    }
  }

  private op(i: number) {
    return Number.isInteger(i) && i >= 0 ? this.options.plan.ops[i] : undefined;
  }

  private start(line: Extract<K6Line, { e: 'start' }>): void {
    if (this.k6StartWallMs !== undefined) return;
    // The start line's wall time floors to the ms: +0.5 halves the expected error. Differences of
    // the large wall-clock numbers first, so the offset keeps its sub-microsecond precision.
    this.k6StartWallMs = line.w + 0.5 - this.anchorWallMs - line.d;
    this.originD = line.o;
    this.options.onStart?.(this.toRunNs(line.o));
  }

  private toRunNs(k6Ms: number): number {
    const ns = Math.round(((this.k6StartWallMs ?? 0) + k6Ms) * 1e6) + this.anchorRunNs;
    return Math.max(0, ns);
  }

  private opId(key: string): string {
    return this.prefix + key;
  }

  private invoke(line: Extract<K6Line, { e: 'i' }>): void {
    const i = line.i;
    const key = line.a === 1 ? String(i) : `${i}.${line.a}`;
    if (this.arrived.has(key)) {
      this.counts.ignoredLines++;
      return;
    }
    this.reported.add(i);
    const op = this.options.plan.ops[i]!;
    const source = this.options.plan.sources[i]!;
    const sentNs = this.toRunNs(line.s);
    const scheduledNs = Math.min(sentNs, this.toRunNs(line.q ?? this.originD + op.t));
    let value = source.value;
    if (line.o !== undefined) value = { ...(value as ReturnInvokeValue), orderId: line.o };
    const entry: InvokeEntry = {
      type: 'invoke',
      op: this.opId(key),
      process: op.d,
      f: source.f,
      value,
      scheduledNs,
      sentNs,
      latenessMs: nsToMs(sentNs - scheduledNs),
    };
    this.arrived.set(key, { scheduledNs, sentNs, f: source.f, device: op.d, completed: false });
    if (source.f === OP.checkout && op.k !== null) this.options.registry?.orders.begin(op.k);
    this.counts.sent++;
    this.latenessHistogram.recordValue(Math.round((sentNs - scheduledNs) / 1_000));
    this.push(sentNs, 'invoke', key, entry, op.d);
  }

  private complete(line: Extract<K6Line, { e: 'c' }>): void {
    const key = line.a === 1 ? String(line.i) : `${line.i}.${line.a}`;
    const a = this.arrived.get(key);
    if (a === undefined || a.completed) {
      this.counts.ignoredLines++;
      return;
    }
    a.completed = true;
    const completedNs = Math.max(a.sentNs, this.toRunNs(line.c));
    const done = completionFor(a.f, k6HttpOutcome(line.st, line.b, line.ec, line.em));
    const entry: CompletionEntry = {
      type: done.type,
      op: this.opId(key),
      process: a.device,
      f: a.f,
      value: done.value,
      completedNs,
      latencyMs: nsToMs(completedNs - a.scheduledNs),
    };
    if (done.error !== undefined) entry.error = done.error;
    this.counts[done.type]++;
    this.latencyHistogram.recordValue(Math.max(0, Math.round((completedNs - a.scheduledNs) / 1_000)));
    this.settleRegistry(
      a.f,
      key,
      done.type,
      done.type === 'ok' ? (done.value as { orderId?: string } | undefined)?.orderId : undefined,
    );
    this.push(completedNs, 'complete', key, entry, a.device);
  }

  private settleRegistry(f: string, key: string, type: 'ok' | 'fail' | 'info', orderId: string | undefined) {
    if (f !== OP.checkout || this.options.registry === undefined) return;
    const i = Number.parseInt(key, 10);
    const k = this.options.plan.ops[i]?.k;
    if (k !== null && k !== undefined) this.options.registry.orders.settle(k, type, orderId);
  }

  private push(
    ns: number,
    kind: Pending['kind'],
    key: string,
    entry: Pending['entry'],
    device: string,
  ): void {
    const item: Pending = { ns, seq: this.seq++, kind, key, entry, device };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
    if (ns > this.maxSeenNs) this.maxSeenNs = ns;
    const horizon = this.maxSeenNs - this.windowMs * 1e6;
    while (h.length > 0 && h[0]!.ns <= horizon) this.write(this.pop());
  }

  private pop(): Pending {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  private write(p: Pending): void {
    const e = p.entry;
    if (p.ns < this.lastWrittenNs) {
      // Later than the window allowed for: moved up so the file stays in time order.
      this.counts.reordered++;
      if (e.type === 'invoke') {
        e.sentNs = this.lastWrittenNs;
        e.latenessMs = nsToMs(e.sentNs - e.scheduledNs);
      } else {
        const scheduledNs = this.arrived.get(p.key)?.scheduledNs ?? e.completedNs;
        e.completedNs = this.lastWrittenNs;
        e.latencyMs = nsToMs(e.completedNs - scheduledNs);
      }
    }
    if (e.type === 'invoke') {
      e.process = this.currentProcess(p.device);
      this.processOf.set(p.key, e.process);
      if (this.options.wallTime !== false) e.wallTime = this.options.clock.wallTime(e.sentNs);
    } else {
      e.process = this.processOf.get(p.key) ?? p.device;
      if (e.type === 'info') this.rename(p.device);
    }
    this.emit(e);
    this.lastWrittenNs = Math.max(this.lastWrittenNs, p.ns);
  }

  private emit(entry: Parameters<HistorySink['append']>[0]): void {
    this.options.history.append(entry);
  }

  private currentProcess(device: string): string {
    const n = this.renames.get(device);
    return n === undefined ? device : `${device}#${n}`;
  }

  /** As the scheduler does: after an info the device goes on as a new process. */
  private rename(device: string): void {
    this.renames.set(device, (this.renames.get(device) ?? 0) + 1);
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.ns < b.ns || (a.ns === b.ns && a.seq < b.seq);
}
