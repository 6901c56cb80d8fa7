// Hand-written histories for checker tests: ops, faults and probes placed at
// millisecond times, turned into real history entries and indexed. Keeps tests
// short and readable: `h.op('checkout', inv, { ok: value, at: 10, took: 5 })`.

import {
  type FinalState,
  type FinalStateInput,
  parseFinalState,
  REGION_COLLECTIONS,
  type RegionState,
} from '../../model/final-state.ts';
import type { HistoryEntry } from '../../model/history-entry.ts';
import { type HistoryIndex, indexHistory } from '../history-index.ts';

const MS = 1_000_000;

export interface OpOutcome {
  /** Invoke time (ms). */
  readonly at: number;
  /** Completion after `took` ms (default 1). */
  readonly took?: number;
  readonly ok?: unknown;
  readonly fail?: unknown;
  readonly info?: true;
  /** Never completes. */
  readonly pending?: true;
  readonly code?: string;
}

export class HistoryFixture {
  private readonly entries: HistoryEntry[] = [];
  private seq = 0;
  private ended = false;

  constructor() {
    this.entries.push({
      type: 'run',
      version: 1,
      runId: 'test',
      startedAt: '2025-11-21T17:00:00.000Z',
      t0: '0',
    });
  }

  /** One op: invoke then ok/fail/info (or nothing). Returns its op id. */
  op(f: string, value: unknown, outcome: OpOutcome): string {
    const op = `test:${++this.seq}`;
    const at = outcome.at * MS;
    this.entries.push({
      type: 'invoke',
      op,
      process: 'p',
      f,
      value,
      scheduledNs: at,
      sentNs: at,
      latenessMs: 0,
    });
    if (outcome.pending) return op;
    const took = outcome.took ?? 1;
    const type = outcome.ok !== undefined ? 'ok' : outcome.info ? 'info' : 'fail';
    const v = outcome.ok ?? outcome.fail;
    this.entries.push({
      type,
      op,
      process: 'p',
      f,
      ...(v === undefined ? {} : { value: v }),
      completedNs: at + took * MS,
      latencyMs: took,
      ...(outcome.code === undefined ? {} : { error: { code: outcome.code, message: outcome.code } }),
    });
    return op;
  }

  fault(name: string, startMs: number, stopMs?: number, kind = 'partition'): this {
    this.entries.push({
      type: 'fault',
      phase: 'start',
      fault: name,
      target: 't',
      params: { kind },
      atNs: startMs * MS,
    });
    if (stopMs !== undefined)
      this.entries.push({ type: 'fault', phase: 'stop', fault: name, target: 't', atNs: stopMs * MS });
    return this;
  }

  /** A heal that left a member down (written before the fault's stop, as the schedule does). */
  healFailed(name: string, atMs: number, message: string, code = 'PEAKDRILL_ERR_MEMBER_DOWN'): this {
    this.entries.push({
      type: 'fault',
      phase: 'heal-failed',
      fault: name,
      target: 't',
      atNs: atMs * MS,
      error: { code, message },
    });
    return this;
  }

  probe(probe: string, region: string | undefined, ok: boolean, atMs: number, value?: unknown): this {
    this.entries.push({
      type: 'probe',
      probe,
      ...(region === undefined ? {} : { region }),
      ok,
      latencyMs: 1,
      atNs: atMs * MS,
      ...(value === undefined ? {} : { value }),
    });
    return this;
  }

  /** Probe samples every `everyMs` from `fromMs` up to (not including) `toMs`. */
  probes(
    probe: string,
    region: string | undefined,
    ok: boolean,
    fromMs: number,
    toMs: number,
    everyMs = 100,
  ): this {
    for (let t = fromMs; t < toMs; t += everyMs) this.probe(probe, region, ok, t);
    return this;
  }

  end(status: 'completed' | 'aborted' | 'error' = 'completed', atMs?: number): this {
    this.ended = true;
    const last = Math.max(
      0,
      ...this.entries.map((e) =>
        'atNs' in e ? e.atNs : 'completedNs' in e ? e.completedNs : 'sentNs' in e ? e.sentNs : 0,
      ),
    );
    this.entries.push({ type: 'end', status, atNs: atMs === undefined ? last : atMs * MS });
    return this;
  }

  /** Entries in time order (stable), as a history file holds them. */
  list(): HistoryEntry[] {
    const time = (e: HistoryEntry) =>
      e.type === 'run' ? -1 : e.type === 'invoke' ? e.sentNs : 'completedNs' in e ? e.completedNs : e.atNs;
    return this.entries
      .map((e, i) => [e, i] as const)
      .sort((a, b) => time(a[0]) - time(b[0]) || a[1] - b[1])
      .map(([e]) => e);
  }

  index(): HistoryIndex {
    if (!this.ended) this.end();
    return indexHistory(this.list());
  }
}

/**
 * A final state with one authoritative region (or several), defaults filled in by the
 * real schema. A test's region is the whole truth (every collection read) unless it
 * says otherwise with `read`; `top` adds state-level fields (refundPolicy).
 */
export function finalState(
  regions: Record<string, Omit<FinalStateInput['regions'][string], 'region'>>,
  authoritative = 'a',
  top: Pick<FinalStateInput, 'refundPolicy'> = {},
): FinalState {
  const input: FinalStateInput = {
    schemaVersion: 1,
    authoritativeRegion: authoritative,
    ...top,
    regions: Object.fromEntries(
      Object.entries(regions).map(([r, s]) => [r, { region: r, read: [...REGION_COLLECTIONS], ...s }]),
    ),
  };
  return parseFinalState(input);
}

export type { RegionState };

/** A checkout request value. */
export function checkoutValue(
  key: string,
  lines: { sku: string; qty: number; epc?: string }[],
  cents = 1_000,
) {
  return {
    channel: 'web',
    store: 'S001',
    lines,
    tenders: [{ type: 'card', amountCents: cents }],
    idempotencyKey: key,
  };
}

/** A checkout ok value. */
export function checkoutOk(
  orderId: string,
  lines: { sku: string; qty: number; epc?: string }[] = [],
  cents = 1_000,
) {
  return { orderId, lines, totalCents: cents, tenders: [{ type: 'card', amountCents: cents }] };
}
