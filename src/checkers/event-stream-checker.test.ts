import { describe, expect, it } from 'vitest';
import type { CapturedMessage, CapturedStream } from '../streams/captured-stream.ts';
import { defaultCheckOptions } from './checker.ts';
import { type EventStreamOptions, eventStreamChecker } from './event-stream-checker.ts';
import { finalState, HistoryFixture } from './testing/history-fixture.ts';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

interface Entry {
  seq: number;
  sku: string;
  delta: number;
  atMs?: number;
}
const ledgerEntry = (e: Entry) => ({
  seq: e.seq,
  ...(e.atMs === undefined ? {} : { at: iso(e.atMs) }),
  sku: e.sku,
  store: 'S1',
  delta: e.delta,
  reason: 'sale',
  refType: 'order',
  refId: `o${e.seq}`,
});
const eventOf = (e: Entry) => ({
  ledgerId: e.seq,
  at: iso(e.atMs ?? 0),
  sku: e.sku,
  store: 'S1',
  delta: e.delta,
  onHandAfter: 0,
  reason: 'sale',
  refType: 'order',
  refId: `o${e.seq}`,
  region: 'a',
});

/** Messages in this order; partition by SKU (A → 0, others → 1) unless given. */
function capture(
  events: readonly (Record<string, unknown> | string)[],
  end: { stoppedAtMs?: number; caughtUp?: boolean } | null = {},
  partitionOf: (i: number, sku: string) => number = (_i, sku) => (sku === 'A' ? 0 : 1),
): CapturedStream {
  const offsets = new Map<number, number>();
  const messages: CapturedMessage[] = events.map((e, i) => {
    const sku = typeof e === 'string' ? 'A' : String(e.sku);
    const partition = partitionOf(i, sku);
    const offset = offsets.get(partition) ?? 0;
    offsets.set(partition, offset + 1);
    return {
      type: 'message',
      partition,
      offset: String(offset),
      key: sku,
      timestamp: String(T0),
      value: typeof e === 'string' ? e : JSON.stringify(e),
    };
  });
  return {
    path: 'streams/inventory-events.ndjson',
    header: { type: 'capture', topic: 'inventory-events', startedAt: iso(0), startOffsets: {} },
    messages,
    notes: [],
    end:
      end === null
        ? undefined
        : {
            type: 'end',
            stoppedAt: iso(end.stoppedAtMs ?? 60_000),
            positions: {},
            caughtUp: end.caughtUp ?? true,
          },
    unreadableLines: 0,
  };
}

const LEDGER: Entry[] = [
  { seq: 1, sku: 'A', delta: 10, atMs: 1_000 },
  { seq: 2, sku: 'B', delta: 5, atMs: 1_100 },
  { seq: 3, sku: 'A', delta: -1, atMs: 2_000 },
  { seq: 4, sku: 'A', delta: -2, atMs: 3_000 },
  { seq: 5, sku: 'B', delta: -1, atMs: 3_500 },
];
const state = (entries: Entry[] = LEDGER) => finalState({ a: { ledger: entries.map(ledgerEntry) } });
const check = (options: EventStreamOptions, s = state()) =>
  eventStreamChecker({ targetPublishes: true, ...options }).check(
    new HistoryFixture().index(),
    s,
    defaultCheckOptions,
  );

describe('event stream checker', () => {
  it('is true when every committed entry is published once, in ledger order per SKU', () => {
    const r = check({ capture: capture(LEDGER.map(eventOf)) });
    expect(r.valid).toBe(true);
    expect(r.figures).toMatchObject({ published: 5, committed: 5, duplicates: 0, lost: 0, phantom: 0 });
  });

  it('counts an entry never published as lost, with its ledger id', () => {
    const r = check({ capture: capture(LEDGER.filter((e) => e.seq !== 3).map(eventOf)) });
    expect(r.valid).toBe(false);
    expect(r.figures.lost).toBe(1);
    expect(r.evidence[0]).toMatchObject({
      what: 'committed ledger entry never published',
      key: 'ledger 3',
      sku: 'A',
    });
  });

  it('gives the relay its latency: an entry written just before the capture stopped is unknown, not lost', () => {
    const late = [...LEDGER, { seq: 6, sku: 'A', delta: -1, atMs: 58_000 }];
    const r = check({ capture: capture(LEDGER.map(eventOf)), relayGraceMs: 5_000 }, state(late));
    expect(r.valid).toBe('unknown');
    expect(r.figures).toMatchObject({ lost: 0, unsettled: 1 });
  });

  it('calls nothing lost when the capture never ended (a killed run) or had not caught up', () => {
    const missing = LEDGER.filter((e) => e.seq !== 3).map(eventOf);
    expect(check({ capture: capture(missing, null) }).valid).toBe('unknown');
    const r = check({ capture: capture(missing, { caughtUp: false }) });
    expect(r.valid).toBe('unknown');
    expect(r.explanation).toMatch(/before it had read all/);
  });

  it('still convicts a killed capture of what it did see: a phantom event', () => {
    const r = check({
      capture: capture([...LEDGER.map(eventOf), eventOf({ seq: 99, sku: 'A', delta: -1 })], null),
    });
    expect(r.valid).toBe(false);
    expect(r.figures.phantom).toBe(1);
    expect(r.evidence[0]).toMatchObject({ what: 'event published for no committed ledger entry', sku: 'A' });
  });

  it('counts an unreadable message as a phantom', () => {
    const r = check({ capture: capture([...LEDGER.map(eventOf), 'not json']) });
    expect(r.valid).toBe(false);
    expect(r.figures.phantom).toBe(1);
    expect(r.evidence[0]!.what).toBe('unreadable event published');
  });

  it('counts an event whose content differs from its ledger entry as mismatched', () => {
    const events = LEDGER.map(eventOf);
    events[2] = { ...events[2]!, delta: -7 };
    const r = check({ capture: capture(events) });
    expect(r.valid).toBe(false);
    expect(r.figures.mismatched).toBe(1);
    expect(r.evidence[0]).toMatchObject({ expected: 'delta=-1', actual: 'delta=-7' });
  });

  it('reports a redelivered event as a duplicate, separately from order', () => {
    // A relay restart re-sending ledger 3 and 4 after 4: at-least-once, not reordering.
    const events = [1, 2, 3, 4, 3, 4, 5].map((seq) => eventOf(LEDGER[seq - 1]!));
    const r = check({ capture: capture(events) });
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ published: 7, duplicates: 2, outOfOrder: 0, lost: 0 });
    expect(r.explanation).toMatch(/2 events published more than once/);
  });

  it('counts a first delivery behind a later entry of its SKU as out of order', () => {
    const events = [1, 2, 4, 3, 5].map((seq) => eventOf(LEDGER[seq - 1]!));
    const r = check({ capture: capture(events) });
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ outOfOrder: 1, duplicates: 0 });
    expect(r.evidence[0]).toMatchObject({
      what: 'event published out of ledger order',
      key: expect.stringMatching(/^ledger 3/),
    });
  });

  it('reads order per partition by offset, not by where a line sits in the file', () => {
    // B's events read before A's (another fetch): still in order within each partition.
    const events = [2, 5, 1, 3, 4].map((seq) => eventOf(LEDGER[seq - 1]!));
    expect(check({ capture: capture(events) }).valid).toBe(true);
  });

  it('flags a SKU split over two partitions (its order is then nobody’s)', () => {
    const r = check({
      capture: capture(LEDGER.map(eventOf), {}, (i, sku) => (sku === 'A' ? (i >= 3 ? 2 : 0) : 1)),
    });
    expect(r.valid).toBe(false);
    expect(r.evidence[0]!.what).toBe('SKU published on two partitions');
  });

  it('without a capture: unknown for a target with a stream, not applicable for one without', () => {
    const missing = check({ capture: undefined });
    expect(missing.valid).toBe('unknown');
    expect(missing.notApplicable).toBeUndefined();
    const none = eventStreamChecker().check(new HistoryFixture().index(), state(), defaultCheckOptions);
    expect(none).toMatchObject({ valid: 'unknown', notApplicable: true });
  });

  it('is unknown, saying why, when the capture file could not be read', () => {
    const r = check({ captureError: 'streams/inventory-events.ndjson is not a stream capture' });
    expect(r.valid).toBe('unknown');
    expect(r.explanation).toMatch(/could not be read: streams/);
  });

  it('is unknown when the ledger was not read', () => {
    const s = finalState({ a: { read: ['orders'], ledger: [] } });
    expect(check({ capture: capture(LEDGER.map(eventOf)) }, s).valid).toBe('unknown');
  });

  it('has nothing to judge when nothing was committed or published', () => {
    expect(check({ capture: capture([]) }, state([]))).toMatchObject({
      valid: 'unknown',
      notApplicable: true,
    });
  });
});
