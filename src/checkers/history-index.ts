// One streaming pass over a history that builds everything the checkers read:
// ops paired invoke → completion in typed-array columns, ops by function, fault
// windows, probe series and the few facts per op the checkers need (keys, ids,
// EPCs, sequences, refunds). Linear, and no op value is kept whole.

import { type HistoryDamage, type HistoryReadSink, readHistory } from '../history/history-reader.ts';
import type { CompiledProjection } from '../history/json-scan.ts';
import type { HistoryEntry, RunHeaderEntry } from '../model/history-entry.ts';
import { OP, PROBE } from '../model/op-values.ts';
import { Column, Interner, OpIdColumn, type OpKey } from './columns.ts';
import {
  applyOfflineSyncOk,
  type CheckoutFact,
  type CheckoutInvokeFacts,
  type CycleCountFact,
  type CycleCountInvokeFacts,
  type FactStatus,
  type OfflineSaleFact,
  type OfflineSyncFact,
  type RefusedOfflineSync,
  type ReturnFact,
  type ReturnInvokeFacts,
  readCheckoutInvoke,
  readCheckoutOk,
  readCycleCountInvoke,
  readOfflineSyncInvoke,
  readPropagation,
  readReturnInvoke,
  readReturnOk,
  readWebhookInvoke,
  readWebhookOk,
  refusalOf,
  VALUE_PROJECTIONS,
  type WebhookFact,
  type WebhookInvokeFacts,
} from './op-facts.ts';
import { LINE_FAIL, LINE_INFO, LINE_INVOKE, LINE_OK, OpLineReader } from './op-line-reader.ts';

/** Op status codes in `HistoryIndex.opStatus`. Pending = invoked, never completed: as indeterminate as info. */
export const OP_PENDING = 0;
export const OP_OK = 1;
export const OP_FAIL = 2;
export const OP_INFO = 3;

export interface FaultWindow {
  /** The scenario's name for the fault. */
  readonly name: string;
  readonly target: string;
  readonly kind: string | undefined;
  readonly startNs: number;
  /** When it was healed; the history's last time when it never was. */
  readonly stopNs: number;
  readonly stopped: boolean;
  readonly healFailed: boolean;
  /** Why the heal failed (the first reason), when it did. */
  readonly healError?: string;
  /** What the fault reported once applied (on its stop entry). */
  readonly outcome?: Readonly<Record<string, number>>;
}

export interface ProbeSeries {
  readonly name: string;
  readonly count: number;
  readonly atNs: Float64Array;
  readonly ok: Uint8Array;
  readonly latencyMs: Float32Array;
  /** Index into `regions`; 0 is "no region". */
  readonly region: Uint8Array;
  readonly regions: readonly string[];
  /**
   * Checkout probe only: the region that took each write, as its answer said (index into
   * `regions`; 0: not said). It differs from `region` once a cutover moved a site's edge.
   */
  readonly writer: Uint8Array | undefined;
  /** Propagation probe only: when the write was acknowledged and seen (NaN: not seen / unreadable). */
  readonly writtenNs: Float64Array | undefined;
  readonly visibleNs: Float64Array | undefined;
}

/** A history line that could not be trusted (torn, not an entry, after the end): the run cannot be judged. */
export interface HistoryIndexDamage extends HistoryDamage {
  /** The history file it is in. */
  readonly file: string;
  /** Damaged lines in that file (only the first is described). */
  readonly damagedLines: number;
}

export interface HistoryIndex {
  readonly header: RunHeaderEntry | undefined;
  /** Set when a history had a damaged line; undefined for a sound history. */
  readonly damage?: HistoryIndexDamage | undefined;
  readonly endStatus: 'completed' | 'aborted' | 'error' | undefined;
  readonly endReason: string | undefined;
  /** The latest time of any entry. */
  readonly lastNs: number;
  readonly opCount: number;
  /** The op id of op `i` (made on demand: ids are stored compactly). */
  opId(i: number): string;
  readonly opF: Uint16Array;
  readonly opStatus: Uint8Array;
  readonly scheduledNs: Float64Array;
  readonly invokeNs: Float64Array;
  /** NaN while pending. */
  readonly completeNs: Float64Array;
  /** Coordinated-omission corrected (from the scheduled time); NaN while pending. */
  readonly latencyMs: Float64Array;
  /** Index into `errorCodes`; 0 = no error code. */
  readonly errorCode: Uint16Array;
  readonly fNames: readonly string[];
  readonly errorCodes: readonly string[];
  opsOf(f: string): Int32Array;
  readonly faults: readonly FaultWindow[];
  readonly probes: ReadonlyMap<string, ProbeSeries>;
  readonly drops: ReadonlyMap<string, number>;
  /** Facts of ok and indeterminate ops (failed ops did not happen, so they carry none). */
  readonly checkouts: readonly CheckoutFact[];
  readonly returns: readonly ReturnFact[];
  readonly offlineSyncs: readonly OfflineSyncFact[];
  /** Offline uploads the target refused (4xx): sales the tills had sold and then dropped. */
  readonly refusedOfflineSyncs: readonly RefusedOfflineSync[];
  readonly webhooks: readonly WebhookFact[];
  /** Cycle counts sent (scans of kind cycle-count), ok or maybe. */
  readonly cycleCounts: readonly CycleCountFact[];
  /** Ops of a known function whose value lacked what a checker needs, per function. */
  readonly unreadable: ReadonlyMap<string, number>;
  readonly unreadableOps: readonly string[];
  /** Completions with no invoke, and invokes reusing an op id: a damaged or mis-merged history. */
  readonly orphanCompletions: number;
  readonly duplicateInvokes: number;
}

const EMPTY_OPS = new Int32Array(0);
const MAX_UNREADABLE_IDS = 20;

type PendingFacts =
  | CheckoutInvokeFacts
  | ReturnInvokeFacts
  | WebhookInvokeFacts
  | OfflineSyncFact
  | CycleCountInvokeFacts;
/** Marks an op of a known function whose request could not be read; it matters only if it ends `ok`. */
const UNREADABLE = Symbol('unreadable');

class ProbeBuilder {
  readonly name: string;
  readonly atNs = new Column(Float64Array, 256);
  readonly ok = new Column(Uint8Array, 256);
  readonly latencyMs = new Column(Float32Array, 256);
  readonly region = new Column(Uint8Array, 256);
  readonly regions = new Interner();
  readonly writtenNs: Column<Float64Array> | undefined;
  readonly visibleNs: Column<Float64Array> | undefined;
  readonly writer: Column<Uint8Array> | undefined;

  constructor(name: string) {
    this.name = name;
    this.regions.id('');
    if (name === PROBE.checkout) this.writer = new Column(Uint8Array, 256);
    if (name === PROBE.propagation) {
      this.writtenNs = new Column(Float64Array, 256);
      this.visibleNs = new Column(Float64Array, 256);
    }
  }

  finish(): ProbeSeries {
    return {
      name: this.name,
      count: this.atNs.length,
      atNs: this.atNs.finish(),
      ok: this.ok.finish(),
      latencyMs: this.latencyMs.finish(),
      region: this.region.finish(),
      regions: this.regions.names,
      writer: this.writer?.finish(),
      writtenNs: this.writtenNs?.finish(),
      visibleNs: this.visibleNs?.finish(),
    };
  }
}

/**
 * Feed entries in history order with `add`, then `finish` once. As a reader's
 * sink it also takes op lines straight from the file (`line`), skipping JSON.parse.
 */
export class HistoryIndexBuilder implements HistoryReadSink {
  private header: RunHeaderEntry | undefined;
  private endStatus: HistoryIndex['endStatus'];
  private endReason: string | undefined;
  private lastNs = 0;
  private readonly ops = new OpIdColumn();
  private readonly opF = new Column(Uint16Array, 4_096);
  private readonly opStatus = new Column(Uint8Array, 4_096);
  private readonly scheduledNs = new Column(Float64Array, 4_096);
  private readonly invokeNs = new Column(Float64Array, 4_096);
  private readonly completeNs = new Column(Float64Array, 4_096);
  private readonly latencyMs = new Column(Float64Array, 4_096);
  private readonly errorCode = new Column(Uint16Array, 4_096);
  private readonly fs = new Interner();
  private readonly codes = new Interner();
  /** In-flight ops only: op key → index. Kept small so memory follows concurrency, not history length. */
  private readonly inFlight = new Map<OpKey, number>();
  /** Request facts of ops still in flight, by op index (an array: cheaper than a map at a million ops). */
  private readonly pendingFacts: (PendingFacts | typeof UNREADABLE | undefined)[] = [];
  private readonly openFaults: { name: string; target: string; kind: string | undefined; startNs: number }[] =
    [];
  private readonly faults: FaultWindow[] = [];
  private readonly healFailed = new Set<string>();
  private readonly healErrors = new Map<string, string>();
  private readonly probes = new Map<string, ProbeBuilder>();
  private readonly drops = new Map<string, number>();
  private readonly checkouts: CheckoutFact[] = [];
  private readonly returns: ReturnFact[] = [];
  private readonly offlineSyncs: OfflineSyncFact[] = [];
  private readonly refusedOfflineSyncs: RefusedOfflineSync[] = [];
  private readonly webhooks: WebhookFact[] = [];
  private readonly cycleCounts: CycleCountFact[] = [];
  private readonly unreadable = new Map<string, number>();
  private readonly unreadableOps: string[] = [];
  private orphanCompletions = 0;
  private duplicateInvokes = 0;
  private damage: HistoryIndexDamage | undefined;
  private readonly fCheckout: number;
  private readonly fReturn: number;
  private readonly fExchange: number;
  private readonly fOfflineSync: number;
  private readonly fWebhook: number;
  private readonly fScan: number;
  private readonly lineReader: OpLineReader;

  constructor() {
    this.codes.id('');
    this.fCheckout = this.fs.id(OP.checkout);
    this.fReturn = this.fs.id(OP.return);
    this.fExchange = this.fs.id(OP.exchange);
    this.fOfflineSync = this.fs.id(OP.offlineSync);
    this.fWebhook = this.fs.id(OP.webhook);
    this.fScan = this.fs.id(OP.scan);
    // By function id, what the fact readers read of an invoke's request and of an ok's
    // answer, and of a refused offline upload's answer; other fail and info values are never read.
    const P = VALUE_PROJECTIONS;
    const invokes: CompiledProjection[] = [];
    const oks: CompiledProjection[] = [];
    const fails: CompiledProjection[] = [];
    invokes[this.fCheckout] = P.checkoutInvoke;
    oks[this.fCheckout] = P.checkoutOk;
    invokes[this.fReturn] = invokes[this.fExchange] = P.returnInvoke;
    oks[this.fReturn] = oks[this.fExchange] = P.returnOk;
    invokes[this.fWebhook] = P.webhookInvoke;
    oks[this.fWebhook] = P.webhookOk;
    invokes[this.fOfflineSync] = P.offlineSyncInvoke;
    oks[this.fOfflineSync] = P.offlineSyncOk;
    fails[this.fOfflineSync] = P.offlineSyncFail;
    invokes[this.fScan] = P.scanInvoke;
    this.lineReader = new OpLineReader(this.ops, this.fs, this.codes, (type, f) =>
      type === LINE_INVOKE
        ? invokes[f]
        : type === LINE_OK
          ? oks[f]
          : type === LINE_FAIL
            ? fails[f]
            : undefined,
    );
  }

  /** The reader's fast path: an op line read in place, or false to have it parsed into an entry. */
  line(s: string, start: number, end: number): boolean {
    const r = this.lineReader;
    if (!r.read(s, start, end)) return false;
    if (r.type === LINE_INVOKE) this.invoke(r.key, r.f, r.value, r.scheduledNs, r.sentNs);
    else {
      const status = r.type === LINE_OK ? OP_OK : r.type === LINE_INFO ? OP_INFO : OP_FAIL;
      this.complete(r.key, status, r.value, r.completedNs, r.latencyMs, r.code);
    }
    return true;
  }

  entry(e: HistoryEntry): void {
    this.add(e);
  }

  /** Records a damaged history (the first one named wins: the verdict names one place to look). */
  noteDamage(damage: HistoryIndexDamage): void {
    this.damage ??= damage;
  }

  add(e: HistoryEntry): void {
    switch (e.type) {
      case 'run':
        // A merged history repeats headers (one per shard); the first names the run.
        this.header ??= e;
        return;
      case 'invoke':
        this.invoke(this.ops.key(e.op), this.fs.id(e.f), e.value, e.scheduledNs, e.sentNs);
        return;
      case 'ok':
      case 'fail':
      case 'info': {
        // Names are interned before pairing, as the line path does, so both index alike.
        this.fs.id(e.f);
        const code = e.error === undefined ? 0 : this.codes.id(e.error.code);
        const status = e.type === 'ok' ? OP_OK : e.type === 'info' ? OP_INFO : OP_FAIL;
        this.complete(this.ops.key(e.op), status, e.value, e.completedNs, e.latencyMs, code);
        return;
      }
      case 'drop':
        this.drops.set(e.f, (this.drops.get(e.f) ?? 0) + 1);
        this.seen(e.atNs);
        return;
      case 'fault':
        this.fault(e.phase, e.fault, e.target, e.params?.kind, e.atNs, e.error?.message, e.outcome);
        return;
      case 'probe':
        this.probe(e.probe, e.region, e.ok, e.latencyMs, e.atNs, e.value);
        return;
      case 'end':
        this.endStatus = e.status;
        this.endReason = e.reason;
        this.seen(e.atNs);
        return;
    }
  }

  private seen(ns: number): void {
    if (ns > this.lastNs) this.lastNs = ns;
  }

  private noteUnreadable(f: string, i: number): void {
    this.unreadable.set(f, (this.unreadable.get(f) ?? 0) + 1);
    if (this.unreadableOps.length < MAX_UNREADABLE_IDS) this.unreadableOps.push(this.ops.id(i));
  }

  private invoke(op: OpKey, fi: number, value: unknown, scheduledNs: number, sentNs: number): void {
    if (this.inFlight.has(op)) {
      this.duplicateInvokes++;
      return;
    }
    this.seen(sentNs);
    const i = this.ops.push(op);
    this.opF.push(fi);
    this.opStatus.push(OP_PENDING);
    this.scheduledNs.push(scheduledNs);
    this.invokeNs.push(sentNs);
    this.completeNs.push(Number.NaN);
    this.latencyMs.push(Number.NaN);
    this.errorCode.push(0);
    this.inFlight.set(op, i);
    let facts: PendingFacts | undefined;
    let known = true;
    if (fi === this.fCheckout) facts = readCheckoutInvoke(value);
    else if (fi === this.fReturn || fi === this.fExchange) facts = readReturnInvoke(value);
    else if (fi === this.fWebhook) facts = readWebhookInvoke(value);
    else if (fi === this.fOfflineSync) {
      const read = readOfflineSyncInvoke(value);
      facts = read && { op: i, status: 'maybe', batchId: read.batchId, sales: read.sales };
    } else if (fi === this.fScan) {
      // Only cycle counts carry facts; receiving and adjustments are read from the ledger.
      const read = readCycleCountInvoke(value);
      if (read === null) known = false;
      else facts = read;
    } else known = false;
    // One slot per op, pushed in order, so the array stays dense.
    this.pendingFacts.push(facts ?? (known ? UNREADABLE : undefined));
  }

  /** `code`: an id in `codes`, 0 for none. */
  private complete(
    op: OpKey,
    status: number,
    value: unknown,
    completedNs: number,
    latencyMs: number,
    code: number,
  ): void {
    const i = this.inFlight.get(op);
    if (i === undefined) {
      this.orphanCompletions++;
      return;
    }
    this.inFlight.delete(op);
    this.seen(completedNs);
    this.opStatus.set(i, status);
    this.completeNs.set(i, completedNs);
    this.latencyMs.set(i, latencyMs);
    if (code !== 0) this.errorCode.set(i, code);
    const facts = this.pendingFacts[i];
    if (facts === undefined) return;
    this.pendingFacts[i] = undefined;
    if (facts === UNREADABLE) {
      if (status === OP_OK) this.noteUnreadable(this.fs.names[this.opF.get(i)]!, i);
      return;
    }
    // A failed op is known not to have happened: it leaves no facts behind, except an offline
    // upload the target refused, whose sales the till had already sold and now drops.
    if (status === OP_FAIL) {
      const refusal = this.opF.get(i) === this.fOfflineSync ? refusalOf(value) : undefined;
      if (refusal !== undefined) {
        const f = facts as OfflineSyncFact;
        this.refusedOfflineSyncs.push({
          op: i,
          batchId: f.batchId,
          saleIds: f.sales.map((s) => s.saleId),
          ...refusal,
        });
      }
      return;
    }
    this.recordFacts(i, facts, status === OP_OK ? 'ok' : 'maybe', status === OP_OK ? value : undefined);
  }

  private recordFacts(i: number, facts: PendingFacts, status: FactStatus, okValue: unknown): void {
    const fi = this.opF.get(i);
    if (fi === this.fCheckout) {
      const f = facts as CheckoutInvokeFacts;
      const ok = status === 'ok' ? readCheckoutOk(okValue) : undefined;
      if (status === 'ok' && ok?.orderId === undefined) this.noteUnreadable(OP.checkout, i);
      this.checkouts.push({
        op: i,
        status,
        key: f.key,
        orderId: ok?.orderId,
        region: ok?.region,
        epcs: f.epcs,
        units: f.units,
      });
    } else if (fi === this.fReturn || fi === this.fExchange) {
      const f = facts as ReturnInvokeFacts;
      const ok = status === 'ok' ? readReturnOk(okValue) : undefined;
      if (status === 'ok' && ok?.refunds === undefined) this.noteUnreadable(this.fs.names[fi]!, i);
      this.returns.push({
        op: i,
        status,
        f: this.fs.names[fi]!,
        key: f.key,
        orderId: f.orderId,
        returnId: ok?.returnId,
        exchangeOrderId: ok?.exchangeOrderId,
        refunds: ok?.refunds,
        returnedEpcs: f.returnedEpcs,
        soldEpcs: f.soldEpcs,
        returnedUnits: f.returnedUnits,
        soldUnits: f.soldUnits,
      });
    } else if (fi === this.fWebhook) {
      const f = facts as WebhookInvokeFacts;
      this.webhooks.push({
        op: i,
        status,
        eventId: f.eventId,
        sku: f.sku,
        sequence: f.sequence,
        absolute: f.absolute,
        outcome: status === 'ok' ? readWebhookOk(okValue) : undefined,
      });
    } else if (fi === this.fOfflineSync) {
      const f = facts as OfflineSyncFact;
      if (status === 'ok' && !applyOfflineSyncOk(okValue, f.sales as OfflineSaleFact[])) {
        this.noteUnreadable(OP.offlineSync, i);
      }
      this.offlineSyncs.push({ op: i, status, batchId: f.batchId, sales: f.sales });
    } else if (fi === this.fScan) {
      this.cycleCounts.push({ op: i, status, ...(facts as CycleCountInvokeFacts) });
    }
  }

  private healOutcome(name: string): { healFailed: boolean; healError?: string } {
    const healError = this.healErrors.get(name);
    return { healFailed: this.healFailed.has(name), ...(healError === undefined ? {} : { healError }) };
  }

  private fault(
    phase: string,
    name: string,
    target: string,
    kind: unknown,
    atNs: number,
    error?: string,
    outcome?: Readonly<Record<string, number>>,
  ): void {
    this.seen(atNs);
    if (phase === 'start') {
      this.openFaults.push({
        name,
        target,
        kind: typeof kind === 'string' ? kind : undefined,
        startNs: atNs,
      });
      return;
    }
    if (phase === 'heal-failed') {
      this.healFailed.add(name);
      if (error !== undefined && !this.healErrors.has(name)) this.healErrors.set(name, error);
      return;
    }
    const at = this.openFaults.findLastIndex((f) => f.name === name);
    if (at === -1) return;
    const open = this.openFaults.splice(at, 1)[0]!;
    this.faults.push({
      ...open,
      stopNs: atNs,
      stopped: true,
      ...this.healOutcome(name),
      ...(outcome === undefined ? {} : { outcome }),
    });
  }

  private probe(
    name: string,
    region: string | undefined,
    ok: boolean,
    latencyMs: number,
    atNs: number,
    value: unknown,
  ): void {
    this.seen(atNs);
    let p = this.probes.get(name);
    if (p === undefined) {
      p = new ProbeBuilder(name);
      this.probes.set(name, p);
    }
    p.atNs.push(atNs);
    p.ok.push(ok ? 1 : 0);
    p.latencyMs.push(latencyMs);
    p.region.push(p.regions.id(region ?? ''));
    if (p.writer !== undefined) {
      const writer = (value as { writer?: unknown } | undefined)?.writer;
      p.writer.push(typeof writer === 'string' && writer !== '' ? p.regions.id(writer) : 0);
    }
    if (p.writtenNs !== undefined && p.visibleNs !== undefined) {
      const sample = readPropagation(value);
      p.writtenNs.push(sample?.writtenNs ?? Number.NaN);
      p.visibleNs.push(sample?.visibleNs ?? Number.NaN);
    }
  }

  finish(): HistoryIndex {
    // Never completed: indeterminate, exactly like info.
    for (const i of this.inFlight.values()) {
      const facts = this.pendingFacts[i];
      if (facts !== undefined && facts !== UNREADABLE) this.recordFacts(i, facts, 'maybe', undefined);
    }
    this.pendingFacts.length = 0;
    for (const open of this.openFaults) {
      this.faults.push({
        ...open,
        stopNs: this.lastNs,
        stopped: false,
        ...this.healOutcome(open.name),
      });
    }
    this.faults.sort((a, b) => a.startNs - b.startNs);
    const opF = this.opF.finish();
    const byF = groupByF(opF, this.fs.names.length);
    const fIds = new Map(this.fs.names.map((n, i) => [n, i]));
    const probes = new Map<string, ProbeSeries>();
    for (const [name, p] of this.probes) probes.set(name, p.finish());
    return {
      header: this.header,
      damage: this.damage,
      endStatus: this.endStatus,
      endReason: this.endReason,
      lastNs: this.lastNs,
      opCount: this.ops.length,
      opId: this.ops.finish(),
      opF,
      opStatus: this.opStatus.finish(),
      scheduledNs: this.scheduledNs.finish(),
      invokeNs: this.invokeNs.finish(),
      completeNs: this.completeNs.finish(),
      latencyMs: this.latencyMs.finish(),
      errorCode: this.errorCode.finish(),
      fNames: this.fs.names,
      errorCodes: this.codes.names,
      opsOf: (f) => {
        const id = fIds.get(f);
        return id === undefined ? EMPTY_OPS : byF[id]!;
      },
      faults: this.faults,
      probes,
      drops: this.drops,
      checkouts: this.checkouts,
      returns: this.returns,
      offlineSyncs: this.offlineSyncs,
      refusedOfflineSyncs: this.refusedOfflineSyncs,
      webhooks: this.webhooks,
      cycleCounts: this.cycleCounts,
      unreadable: this.unreadable,
      unreadableOps: this.unreadableOps,
      orphanCompletions: this.orphanCompletions,
      duplicateInvokes: this.duplicateInvokes,
    };
  }
}

/** Op indexes per function, by counting sort (two passes, no per-op allocation). */
function groupByF(opF: Uint16Array, fCount: number): Int32Array[] {
  const counts = new Int32Array(fCount);
  for (let i = 0; i < opF.length; i++) counts[opF[i]!]!++;
  const out = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(fCount);
  for (let i = 0; i < opF.length; i++) {
    const f = opF[i]!;
    out[f]![fill[f]!++] = i;
  }
  return out;
}

export function indexHistory(entries: Iterable<HistoryEntry>): HistoryIndex {
  const b = new HistoryIndexBuilder();
  for (const e of entries) b.add(e);
  return b.finish();
}

export async function indexHistoryAsync(entries: AsyncIterable<HistoryEntry>): Promise<HistoryIndex> {
  const b = new HistoryIndexBuilder();
  for await (const e of entries) b.add(e);
  return b.finish();
}

/**
 * Reads and indexes a history file in one streaming pass. A damaged line does not
 * stop the pass: it is skipped and recorded in `damage`, so the verdict can say where.
 */
export async function indexHistoryFile(path: string): Promise<HistoryIndex> {
  const b = new HistoryIndexBuilder();
  const reader = readHistory(path, { onDamage: 'record' });
  await reader.read(b);
  if (reader.damage !== undefined) {
    b.noteDamage({ file: path, ...reader.damage, damagedLines: reader.damagedLines });
  }
  return b.finish();
}
