// The node engine's open model: each planned op is handed to the client at its
// scheduled time whether or not earlier ones finished, journaled as `invoke`
// before it is attempted and as ok | fail | info when it settles (latency from
// the scheduled time: coordinated-omission corrected). In-flight work is capped;
// an op over the cap is recorded as a `drop`, never silently delayed.
import { build, type Histogram } from 'hdr-histogram-js';
import type { RunClock } from '../history/run-clock.ts';
import { PeakdrillError } from '../model/errors.ts';
import {
  type CompletionEntry,
  type HistoryEntry,
  type InvokeEntry,
  nsToMs,
  type OpError,
  opIdPrefix,
  type Shard,
} from '../model/history-entry.ts';
import { firstUnsortedIndex, type PlannedOp } from '../model/planned-op.ts';

/** What a client gets for one op. Valid until the invoke promise settles; the object is reused after. */
export interface ClientOp {
  /** Globally unique op id (as in the history); use it as the idempotency key where the SUT takes one. */
  readonly id: string;
  readonly process: string | number;
  readonly f: string;
  readonly value: unknown;
  /** The scheduler records `info` after this long; the client should give up by then too. */
  readonly timeoutMs: number;
}

export interface Completion {
  /** ok: it happened; fail: known NOT to have happened; info: unknown (timed out, cut off). */
  readonly type: 'ok' | 'fail' | 'info';
  readonly value?: unknown;
  readonly error?: OpError;
}

/** A device's connection to the SUT (Jepsen's client). invoke() must settle eventually. */
export interface Client {
  open(): Promise<void>;
  invoke(op: ClientOp): Promise<Completion>;
  close(): Promise<void>;
}

/** Where a CallbackClient reports an op's outcome. */
export interface CompletionCallback {
  done(completion: Completion): void;
}

/**
 * A client that can also report outcomes through a callback instead of a promise per
 * op (less garbage at high rates; the scheduler uses it when offered). `done` is called
 * exactly once per op, and never from inside start().
 */
export interface CallbackClient extends Client {
  start(op: ClientOp, callback: CompletionCallback): void;
}

export function isCallbackClient(client: Client): client is CallbackClient {
  return typeof (client as Partial<CallbackClient>).start === 'function';
}

/** Where entries go: a HistoryWriter, or an array in tests. */
export interface HistorySink {
  append(entry: HistoryEntry): void;
}

/** A sink that also takes a line serialized by the caller (one JSON object, no newline). */
export interface LineHistorySink extends HistorySink {
  appendLine(line: string): void;
}

export function isLineHistorySink(sink: HistorySink): sink is LineHistorySink {
  return typeof (sink as Partial<LineHistorySink>).appendLine === 'function';
}

export interface OpenModelSchedulerOptions {
  readonly runId: string;
  readonly shard?: Shard;
  readonly clock: RunClock;
  readonly history: HistorySink;
  /** Run-clock time of plan time 0 (worker shards share one); default: when run() has opened the client. */
  readonly startAtNs?: number;
  /** Divides every atMs. Leave at 1 when the planner already applied the scenario's speed. */
  readonly speed?: number;
  /** Ops in flight at once (including timed-out ones the client has not let go of yet). */
  readonly maxInFlight?: number;
  readonly timeoutMs?: number;
  /** After an abort: how long in-flight ops get to finish before they are recorded as `info`. */
  readonly graceMs?: number;
  readonly signal?: AbortSignal;
  /** Put an ISO `wallTime` on each invoke (about 0.3 µs per op). Default true. */
  readonly wallTime?: boolean;
  /**
   * The last this-many ms before a send are spun on setImmediate instead of slept (setTimeout is
   * ~1 ms coarse). Default 1.5. Spinning burns the idle part of a core: at high rates, with more
   * spinning threads than free cores (the SUT on the same box), set 0 to send in ~1 ms batches.
   */
  readonly spinMs?: number;
}

export interface SchedulerCounts {
  sent: number;
  ok: number;
  fail: number;
  info: number;
  /** Of the info: how many the scheduler timed out itself. */
  timedOut: number;
  /** Not sent because maxInFlight ops were already in flight. */
  dropped: number;
  maxInFlight: number;
}

export interface SchedulerStats extends SchedulerCounts {
  readonly aborted: boolean;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly latenessP50Ms: number;
  readonly latenessP99Ms: number;
  readonly latenessMaxMs: number;
  /** From plan time 0 to the last completion or abandonment. */
  readonly durationMs: number;
}

/** Histograms count microseconds; autoResize so a pathological stall never throws. */
export function createLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true });
}

export function summarizeStats(
  counts: SchedulerCounts,
  latencyUs: Histogram,
  latenessUs: Histogram,
  aborted: boolean,
  durationMs: number,
): SchedulerStats {
  const ms = (h: Histogram, p: number): number =>
    h.totalCount === 0 ? 0 : h.getValueAtPercentile(p) / 1_000;
  return {
    ...counts,
    aborted,
    latencyP50Ms: ms(latencyUs, 50),
    latencyP99Ms: ms(latencyUs, 99),
    latencyMaxMs: latencyUs.totalCount === 0 ? 0 : latencyUs.maxValue / 1_000,
    latenessP50Ms: ms(latenessUs, 50),
    latenessP99Ms: ms(latenessUs, 99),
    latenessMaxMs: latenessUs.totalCount === 0 ? 0 : latenessUs.maxValue / 1_000,
    durationMs,
  };
}

const FREE = 0;
const IN_FLIGHT = 1;
/** Recorded as info (timeout or abort); the slot stays taken until the client settles. */
const ORPHANED = 2;

const RUNNING = 0;
/** Plan exhausted: waiting for in-flight ops, timeouts still apply. */
const DRAINING = 1;
/** Aborted: no more sends; in-flight ops have graceMs. */
const ABORTING = 2;
const DONE = 3;

/** Ops sent per loop turn at most, so a burst of due ops cannot starve completions. */
const BURST = 512;

class OpSlot implements ClientOp, CompletionCallback {
  id = '';
  process: string | number = '';
  device: string | number = '';
  f = '';
  value: unknown;
  timeoutMs: number;
  scheduledNs = 0;
  deadlineNs = 0;
  /** The op's id, process and function as JSON, made once at send and reused for its completion line. */
  opJson = '';
  processJson = '';
  fJson = '';
  /** Bumped on each use, so deadline-queue entries of an earlier use are recognised as stale. */
  gen = 0;
  state = FREE;
  private readonly owner: OpenModelScheduler;
  // Bound once per slot and reused for every op the slot carries: no closure per op.
  readonly onFulfilled: (completion: Completion) => void;
  readonly onRejected: (error: unknown) => void;

  constructor(owner: OpenModelScheduler, timeoutMs: number) {
    this.owner = owner;
    this.timeoutMs = timeoutMs;
    this.onFulfilled = (completion) => owner.settle(this, completion);
    this.onRejected = (error) => owner.settleError(this, error);
  }

  done(completion: Completion): void {
    this.owner.settle(this, completion);
  }
}

export class OpenModelScheduler {
  private readonly client: Client;
  private readonly callbackClient: CallbackClient | null;
  private readonly clock: RunClock;
  private readonly history: HistorySink;
  /** When the sink takes lines, entries of the hot path are written by hand (see invokeLine). */
  private readonly lines: LineHistorySink | null;
  private readonly opPrefix: string;
  /** `"` + the prefix as JSON string content: an op id's JSON is this, its sequence number, `"`. */
  private readonly opJsonPrefix: string;
  private lastF = '';
  private lastFJson = '""';
  private readonly speed: number;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly timeoutNs: number;
  private readonly graceMs: number;
  private readonly spinNs: number;
  private readonly wallTime: boolean;
  private readonly signal: AbortSignal | undefined;
  private readonly startAtNsOption: number | undefined;

  private state = RUNNING;
  private started = false;
  private startNs = 0;
  private endNs = 0;
  private planArray: readonly PlannedOp[] | null = null;
  private planIterator: Iterator<PlannedOp> | null = null;
  private planIndex = 0;
  private next: PlannedOp | null = null;
  private nextAtNs = 0;
  private lastAtMs = 0;
  private seq = 0;

  private readonly slots: OpSlot[] = [];
  private readonly freeSlots: OpSlot[] = [];
  /** Slots not FREE, orphans included: what the cap counts. */
  private occupied = 0;
  /** Slots IN_FLIGHT: what the run waits for. */
  private active = 0;

  // Deadline queue: a constant timeout makes deadlines rise in send order, so a FIFO ring
  // replaces a heap; entries for slots that already completed are skipped lazily.
  private ringSlots: (OpSlot | undefined)[] = new Array(1024);
  private ringGens: number[] = new Array(1024).fill(0);
  private ringHead = 0;
  private ringSize = 0;

  /** Device id → its current Jepsen process id, for devices renamed after an info. */
  private readonly renamed = new Map<string | number, string>();
  private readonly renames = new Map<string | number, number>();

  private readonly counts: SchedulerCounts = {
    sent: 0,
    ok: 0,
    fail: 0,
    info: 0,
    timedOut: 0,
    dropped: 0,
    maxInFlight: 0,
  };
  readonly latencyHistogram: Histogram = createLatencyHistogram();
  readonly latenessHistogram: Histogram = createLatencyHistogram();

  private aborted = false;
  private failure: unknown = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private resolveDone: (() => void) | null = null;
  private readonly tickBound = (): void => this.tick();
  private readonly onAbortBound = (): void => this.beginAbort();
  private readonly onGraceExpiredBound = (): void => this.graceExpired();

  constructor(client: Client, options: OpenModelSchedulerOptions) {
    this.client = client;
    this.callbackClient = isCallbackClient(client) ? client : null;
    this.clock = options.clock;
    this.history = options.history;
    this.lines = isLineHistorySink(options.history) ? options.history : null;
    this.opPrefix = opIdPrefix(options.runId, options.shard);
    this.opJsonPrefix = JSON.stringify(this.opPrefix).slice(0, -1);
    this.speed = options.speed ?? 1;
    this.maxInFlight = options.maxInFlight ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.timeoutNs = Math.round(this.timeoutMs * 1e6);
    this.graceMs = options.graceMs ?? 5_000;
    this.spinNs = Math.round((options.spinMs ?? 1.5) * 1e6);
    this.wallTime = options.wallTime ?? true;
    this.signal = options.signal;
    this.startAtNsOption = options.startAtNs;
    if (!(this.speed > 0) || !(this.maxInFlight >= 1) || !(this.timeoutMs > 0) || !(this.graceMs >= 0)) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        `scheduler: speed (${this.speed}), maxInFlight (${this.maxInFlight}) and timeoutMs (${this.timeoutMs}) must be positive, graceMs (${this.graceMs}) not negative`,
      );
    }
  }

  /** Ops currently awaited (orphans excluded). */
  get inFlight(): number {
    return this.active;
  }

  /**
   * Opens the client, sends the plan (sorted by atMs), waits for the last op or the abort
   * grace, closes the client. Rejects with a PeakdrillError when the plan is out of order or
   * the history cannot be written, after in-flight ops have been drained as for an abort.
   */
  async run(plan: Iterable<PlannedOp>): Promise<SchedulerStats> {
    if (this.started) throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'a scheduler runs once');
    this.started = true;
    if (Array.isArray(plan)) {
      const bad = firstUnsortedIndex(plan);
      if (bad !== -1) throw unsortedError(bad, plan[bad]!.atMs, plan[bad - 1]!.atMs);
      this.planArray = plan;
    } else {
      this.planIterator = plan[Symbol.iterator]();
    }
    await this.client.open();
    try {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.resolveDone = resolve;
      this.startNs = this.startAtNsOption ?? this.clock.nowNs();
      this.advance();
      this.signal?.addEventListener('abort', this.onAbortBound, { once: true });
      if (this.signal?.aborted) this.beginAbort();
      else this.tick();
      await promise;
    } finally {
      this.signal?.removeEventListener('abort', this.onAbortBound);
      this.clearWake();
      if (this.graceTimer !== null) clearTimeout(this.graceTimer);
      this.state = DONE;
      await this.client.close();
    }
    if (this.failure !== null) throw this.failure;
    return this.stats();
  }

  stats(): SchedulerStats {
    const end = this.state === DONE ? this.endNs : this.clock.nowNs();
    return summarizeStats(
      { ...this.counts },
      this.latencyHistogram,
      this.latenessHistogram,
      this.aborted,
      nsToMs(Math.max(0, end - this.startNs)),
    );
  }

  /** @internal called by slots when the client's promise fulfils. */
  settle(slot: OpSlot, completion: Completion): void {
    if (slot.state === ORPHANED) {
      this.releaseSlot(slot);
      return;
    }
    if (slot.state !== IN_FLIGHT || this.state === DONE) return;
    let type = completion?.type;
    let error = completion?.error;
    if (type !== 'ok' && type !== 'fail' && type !== 'info') {
      error = { code: 'bad-completion', message: `client returned ${describe(completion)}` };
      type = 'info';
    }
    const now = this.complete(slot, type, completion?.value, error);
    this.releaseSlot(slot);
    // A completion is a wake-up the loop gets anyway: send what fell due meanwhile now, not
    // at the next timer (1 ms coarse). The armed wake stays as it is; when it fires early it
    // finds nothing due and re-arms.
    if (this.state === RUNNING && this.next !== null && this.nextAtNs <= now) {
      try {
        this.sendDue();
      } catch (e) {
        this.fatal(e);
      }
    }
  }

  /** @internal a client that rejects broke its contract; whether the op happened is unknown. */
  settleError(slot: OpSlot, error: unknown): void {
    if (slot.state === ORPHANED) {
      this.releaseSlot(slot);
      return;
    }
    if (slot.state !== IN_FLIGHT || this.state === DONE) return;
    this.complete(slot, 'info', undefined, asOpError(error, 'client-error'));
    this.releaseSlot(slot);
  }

  /** Records the op's outcome; returns the completion time. */
  private complete(
    slot: OpSlot,
    type: CompletionEntry['type'],
    value: unknown,
    error: OpError | undefined,
  ): number {
    const now = this.clock.nowNs();
    const latencyNs = now - slot.scheduledNs;
    if (this.lines !== null) {
      try {
        this.lines.appendLine(completionLine(slot, type, value, now, nsToMs(latencyNs), error));
      } catch (e) {
        if (this.failure === null) this.fatal(e);
      }
    } else {
      const entry: CompletionEntry = {
        type,
        op: slot.id,
        process: slot.process,
        f: slot.f,
        value,
        completedNs: now,
        latencyMs: nsToMs(latencyNs),
      };
      if (error !== undefined) entry.error = error;
      this.record(entry);
    }
    this.latencyHistogram.recordValue(Math.max(0, Math.round(latencyNs / 1_000)));
    this.counts[type]++;
    if (type === 'info') this.rename(slot.device);
    slot.state = FREE;
    this.active--;
    if (this.state !== RUNNING && this.active === 0) this.finish(now);
    return now;
  }

  private tick(): void {
    this.timer = null;
    this.immediate = null;
    try {
      this.turn();
    } catch (error) {
      // A throwing plan iterator or a bug here must end the run through run(), not crash the process.
      this.fatal(error);
    }
  }

  private turn(): void {
    if (this.state === DONE) return;
    let now = this.clock.nowNs();
    this.expire(now);
    if (this.state === RUNNING) now = this.sendDue();
    if (this.state === DONE) return;
    if (this.state !== RUNNING && this.active === 0) {
      this.finish(now);
      return;
    }
    this.scheduleWake(now);
  }

  /** Sends the ops that are due (at most BURST); returns the time after the last send. */
  private sendDue(): number {
    let now = this.clock.nowNs();
    let budget = BURST;
    while (this.state === RUNNING && this.next !== null && this.nextAtNs <= now && budget-- > 0) {
      this.send(this.next, this.nextAtNs);
      this.advance();
      now = this.clock.nowNs();
    }
    if (this.next === null && this.state === RUNNING) this.state = DRAINING;
    return now;
  }

  private scheduleWake(now: number): void {
    this.clearWake();
    const deadline = this.headDeadline();
    if (this.state === RUNNING && this.next !== null && this.nextAtNs <= deadline) {
      const waitNs = this.nextAtNs - now;
      if (waitNs > this.spinNs) this.timer = setTimeout(this.tickBound, (waitNs - this.spinNs) / 1e6);
      else this.immediate = setImmediate(this.tickBound);
    } else if (deadline !== Number.POSITIVE_INFINITY) {
      // Timeouts need no sub-ms precision; a late timer only makes an info a little later.
      this.timer = setTimeout(this.tickBound, Math.max(0, deadline - now) / 1e6);
    }
    // Otherwise nothing is due: the last completion or the grace timer ends the run.
  }

  private clearWake(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private advance(): void {
    if (this.state !== RUNNING) return;
    let op: PlannedOp | undefined;
    if (this.planArray !== null) {
      op = this.planArray[this.planIndex++];
    } else {
      const r = this.planIterator!.next();
      op = r.done ? undefined : r.value;
    }
    if (op === undefined) {
      this.next = null;
      return;
    }
    if (op.atMs < this.lastAtMs) {
      this.next = null;
      this.fatal(unsortedError(this.planIndex, op.atMs, this.lastAtMs));
      return;
    }
    this.lastAtMs = op.atMs;
    this.next = op;
    this.nextAtNs = this.startNs + Math.round((op.atMs * 1e6) / this.speed);
  }

  private send(op: PlannedOp, scheduledNs: number): void {
    const seq = this.seq++;
    const id = this.opPrefix + seq;
    const device = op.process;
    const process = this.renamed.size === 0 ? device : (this.renamed.get(device) ?? device);
    if (this.occupied >= this.maxInFlight) {
      this.counts.dropped++;
      this.record({
        type: 'drop',
        op: id,
        process,
        f: op.f,
        scheduledNs,
        atNs: this.clock.nowNs(),
        reason: 'max-in-flight',
      });
      return;
    }
    const sentNs = this.clock.nowNs();
    const latenessNs = sentNs - scheduledNs;
    const slot = this.takeSlot();
    slot.id = id;
    // Journaled before it is attempted: an op the SUT may have seen is never missing from the
    // history. If the journal fails, the op is not attempted at all.
    if (this.lines !== null) {
      try {
        if (op.f !== this.lastF) {
          this.lastF = op.f;
          this.lastFJson = JSON.stringify(op.f);
        }
        slot.opJson = `${this.opJsonPrefix}${seq}"`;
        slot.processJson = toJson(process);
        slot.fJson = this.lastFJson;
        const wallTime = this.wallTime ? this.clock.wallTime(sentNs) : undefined;
        this.lines.appendLine(invokeLine(slot, op.value, scheduledNs, sentNs, nsToMs(latenessNs), wallTime));
      } catch (error) {
        this.freeSlots.push(slot);
        if (this.failure === null) this.fatal(error);
        return;
      }
    } else {
      const entry: InvokeEntry = {
        type: 'invoke',
        op: id,
        process,
        f: op.f,
        value: op.value,
        scheduledNs,
        sentNs,
        latenessMs: nsToMs(latenessNs),
      };
      if (this.wallTime) entry.wallTime = this.clock.wallTime(sentNs);
      if (!this.record(entry)) {
        this.freeSlots.push(slot);
        return;
      }
    }
    this.latenessHistogram.recordValue(Math.max(0, Math.round(latenessNs / 1_000)));
    this.counts.sent++;

    slot.process = process;
    slot.device = device;
    slot.f = op.f;
    slot.value = op.value;
    slot.scheduledNs = scheduledNs;
    slot.deadlineNs = sentNs + this.timeoutNs;
    slot.gen++;
    slot.state = IN_FLIGHT;
    this.occupied++;
    this.active++;
    if (this.occupied > this.counts.maxInFlight) this.counts.maxInFlight = this.occupied;
    this.ringPush(slot);
    if (this.callbackClient !== null) {
      try {
        this.callbackClient.start(slot, slot);
      } catch (error) {
        this.settleError(slot, error);
      }
      return;
    }
    let pending: Promise<Completion>;
    try {
      pending = this.client.invoke(slot);
    } catch (error) {
      this.settleError(slot, error);
      return;
    }
    pending.then(slot.onFulfilled, slot.onRejected);
  }

  private expire(now: number): void {
    while (this.ringSize > 0) {
      const slot = this.ringSlots[this.ringHead]!;
      const gen = this.ringGens[this.ringHead]!;
      if (slot.gen === gen && slot.state === IN_FLIGHT) {
        if (slot.deadlineNs > now) return;
        this.orphan(slot, 'timeout', `no completion within ${this.timeoutMs} ms`);
        this.counts.timedOut++;
      }
      this.ringShift();
      if (this.state === DONE) return;
    }
  }

  private headDeadline(): number {
    while (this.ringSize > 0) {
      const slot = this.ringSlots[this.ringHead]!;
      if (slot.gen === this.ringGens[this.ringHead] && slot.state === IN_FLIGHT) return slot.deadlineNs;
      this.ringShift();
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Records an op that is still out as info; its slot waits for the client to let go. */
  private orphan(slot: OpSlot, code: string, message: string): void {
    this.complete(slot, 'info', undefined, { code, message });
    slot.state = ORPHANED;
  }

  private beginAbort(): void {
    if (this.state === DONE || this.state === ABORTING) return;
    this.aborted = true;
    this.state = ABORTING;
    this.next = null;
    const now = this.clock.nowNs();
    if (this.active === 0) {
      this.finish(now);
      return;
    }
    this.graceTimer = setTimeout(this.onGraceExpiredBound, this.graceMs);
    this.scheduleWake(now);
  }

  private graceExpired(): void {
    this.graceTimer = null;
    if (this.state === DONE) return;
    const message = `run aborted; still in flight ${this.graceMs} ms later`;
    for (const slot of this.slots) {
      if (slot.state === IN_FLIGHT) this.orphan(slot, 'aborted', message);
      if (this.state === DONE) return;
    }
    this.finish(this.clock.nowNs());
  }

  /** An error of the harness itself: stop sending, drain as for an abort, then reject run(). */
  private fatal(error: unknown): void {
    this.failure ??= error;
    this.beginAbort();
  }

  private finish(now: number): void {
    if (this.state === DONE) return;
    this.state = DONE;
    this.endNs = now;
    this.clearWake();
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.resolveDone?.();
  }

  private record(entry: HistoryEntry): boolean {
    try {
      this.history.append(entry);
      return true;
    } catch (error) {
      // Once the history cannot be written the run is worthless: stop, but let run() report why.
      if (this.failure === null) this.fatal(error);
      return false;
    }
  }

  private rename(device: string | number): void {
    const n = (this.renames.get(device) ?? 0) + 1;
    this.renames.set(device, n);
    this.renamed.set(device, `${device}#${n}`);
  }

  private takeSlot(): OpSlot {
    const slot = this.freeSlots.pop();
    if (slot !== undefined) return slot;
    const created = new OpSlot(this, this.timeoutMs);
    this.slots.push(created);
    return created;
  }

  private releaseSlot(slot: OpSlot): void {
    slot.state = FREE;
    slot.value = undefined;
    this.occupied--;
    this.freeSlots.push(slot);
  }

  private ringPush(slot: OpSlot): void {
    const cap = this.ringSlots.length;
    if (this.ringSize === cap) {
      const slots = new Array<OpSlot | undefined>(cap * 2);
      const gens = new Array<number>(cap * 2).fill(0);
      for (let i = 0; i < cap; i++) {
        slots[i] = this.ringSlots[(this.ringHead + i) % cap];
        gens[i] = this.ringGens[(this.ringHead + i) % cap]!;
      }
      this.ringSlots = slots;
      this.ringGens = gens;
      this.ringHead = 0;
    }
    const at = (this.ringHead + this.ringSize) % this.ringSlots.length;
    this.ringSlots[at] = slot;
    this.ringGens[at] = slot.gen;
    this.ringSize++;
  }

  private ringShift(): void {
    this.ringSlots[this.ringHead] = undefined;
    this.ringHead = (this.ringHead + 1) % this.ringSlots.length;
    this.ringSize--;
  }
}

// The hot path's two entries, written as JSON.stringify writes them (same keys, same order,
// undefined left out) without building the entry object: a tested equivalence.

/** A process id as JSON.stringify writes it (a finite number without a call). */
function toJson(v: string | number): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v}` : JSON.stringify(v);
}

function valueJson(slot: OpSlot, value: unknown): string {
  if (value === undefined) return '';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    // e.g. a BigInt or a cycle in an op value: the caller's bug, named with the op.
    throw new PeakdrillError('PEAKDRILL_ERR_INVALID_INPUT', `history: op ${slot.id} is not JSON`, {
      cause,
    });
  }
  return json === undefined ? '' : `,"value":${json}`;
}

/** The invoke entry's line for the op in `slot` (its id, process and function JSON already set). */
export function invokeLine(
  slot: Pick<OpSlot, 'opJson' | 'processJson' | 'fJson' | 'id'>,
  value: unknown,
  scheduledNs: number,
  sentNs: number,
  latenessMs: number,
  wallTime: string | undefined,
): string {
  return `{"type":"invoke","op":${slot.opJson},"process":${slot.processJson},"f":${slot.fJson}${valueJson(slot as OpSlot, value)},"scheduledNs":${scheduledNs},"sentNs":${sentNs},"latenessMs":${latenessMs}${wallTime === undefined ? '' : `,"wallTime":"${wallTime}"`}}`;
}

/** The completion entry's line for the op in `slot`. */
export function completionLine(
  slot: Pick<OpSlot, 'opJson' | 'processJson' | 'fJson' | 'id'>,
  type: CompletionEntry['type'],
  value: unknown,
  completedNs: number,
  latencyMs: number,
  error: OpError | undefined,
): string {
  return `{"type":"${type}","op":${slot.opJson},"process":${slot.processJson},"f":${slot.fJson}${valueJson(slot as OpSlot, value)},"completedNs":${completedNs},"latencyMs":${latencyMs}${error === undefined ? '' : `,"error":${JSON.stringify(error)}`}}`;
}

function unsortedError(index: number, atMs: number, previousAtMs: number): PeakdrillError {
  return new PeakdrillError(
    'PEAKDRILL_ERR_INVALID_INPUT',
    `plan op ${index} is at ${atMs} ms, before its predecessor at ${previousAtMs} ms: plans must be sorted by atMs`,
  );
}

function describe(value: unknown): string {
  try {
    return String(JSON.stringify(value)).slice(0, 200);
  } catch {
    return String(value);
  }
}

export function asOpError(error: unknown, fallbackCode: string): OpError {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' ? code : fallbackCode,
    message: error instanceof Error ? error.message : String(error),
  };
}
