import { describe, expect, it } from 'vitest';
import { RunClock } from '../../history/run-clock.ts';
import {
  type CompletionEntry,
  entryTimeNs,
  type HistoryEntry,
  historyEntrySchema,
  type InvokeEntry,
} from '../../model/history-entry.ts';
import type { ReplayOp } from '../../plan/recording-planner.ts';
import { K6OrderRegistry, K6OutcomeConverter, k6HttpOutcome } from './k6-outcomes.ts';
import { buildK6Plan } from './k6-plan.ts';

const checkout = (atMs: number, process: string, key: string): ReplayOp => ({
  atMs,
  f: 'checkout',
  process,
  source: key,
  value: {
    channel: 'web',
    store: 'S000',
    lines: [{ sku: 'A', qty: 1 }],
    tenders: [{ type: 'card', amountCents: 500 }],
    idempotencyKey: key,
  },
});

const OPS: ReplayOp[] = [
  checkout(0, 'web:shopper-1', 'k0'),
  checkout(100, 'web:shopper-2', 'k1'),
  checkout(200, 'web:shopper-1', 'k2'),
  {
    atMs: 300,
    f: 'return',
    process: 'web:shopper-1',
    source: 'r',
    orderKey: 'k0',
    value: { orderId: 'o', store: 'S000', lines: [{ sku: 'A', qty: 1 }], idempotencyKey: 'r' },
  },
];

const ORDER = {
  orderId: 'ord-1',
  lines: [{ sku: 'A', qty: 1 }],
  totalCents: 500,
  tenders: [{ kind: 'card', amountCents: 500, tenderId: 't1' }],
  region: 'a',
};

function setup(shard?: { index: number; count: number }) {
  const plan = buildK6Plan(OPS, { web: { stockReads: false } });
  const entries: HistoryEntry[] = [];
  const clock = new RunClock(0n, new Date('2026-01-01T00:00:00Z'));
  const registry = new K6OrderRegistry();
  let startNs: number | undefined;
  const converter = new K6OutcomeConverter({
    runId: 'r.k6',
    ...(shard ? { shard } : {}),
    plan,
    clock,
    history: { append: (e) => entries.push(structuredClone(e)) },
    registry,
    reorderWindowMs: 50,
    onStart: (ns) => {
      startNs = ns;
    },
  });
  const feed = (line: object) => converter.line(JSON.stringify(line));
  // k6's test started 10 ms of wall time after the anchor (the run clock's t0 is not used here).
  feed({ e: 'start', w: Date.now() + 10, d: 0.2, o: 1_000.2, n: plan.ops.length });
  return { plan, entries, converter, feed, registry, startNs: () => startNs };
}

describe('k6 outcome lines → history entries', () => {
  it('writes each attempt as invoke + completion in time order, with node-fleet values', () => {
    const { entries, converter, feed, registry, startNs } = setup();
    expect(startNs()).toBeGreaterThan(0);
    // Lines of two VUs, the second VU's completion logged before the first's.
    feed({ e: 'i', i: 0, a: 1, s: 1_000.5 });
    feed({ e: 'i', i: 1, a: 1, s: 1_100.4 });
    expect(registry.lookup('k0')).toEqual({ state: 'pending' });
    feed({ e: 'c', i: 1, a: 1, c: 1_105, st: 409, b: '{"error":"out-of-stock","message":"no"}', ec: 1409 });
    feed({ e: 'c', i: 0, a: 1, c: 1_120, st: 201, b: JSON.stringify(ORDER), ec: 0 });
    expect(registry.lookup('k0')).toEqual({ state: 'ok', orderId: 'ord-1' });
    feed({ e: 'i', i: 3, a: 1, s: 1_300.1, o: 'ord-1' });
    feed({ e: 'c', i: 3, a: 1, c: 1_330, st: 0, b: null, ec: 1212, em: 'dial: connection refused' });
    converter.finish('completed', 'k6 ended');

    for (const e of entries) expect(historyEntrySchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    const times = entries.map(entryTimeNs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(entries.map((e) => `${e.type}:${'op' in e ? e.op : ''}`)).toEqual([
      'invoke:r.k6:0',
      'invoke:r.k6:1',
      'fail:r.k6:1',
      'ok:r.k6:0',
      'invoke:r.k6:3',
      'fail:r.k6:3',
      // Op 2 never ran although k6 finished: a dropped iteration.
      'drop:r.k6:2',
    ]);
    const ok = entries[3] as CompletionEntry;
    expect(ok.value).toEqual({
      orderId: 'ord-1',
      lines: [{ sku: 'A', qty: 1 }],
      totalCents: 500,
      tenders: [{ type: 'card', amountCents: 500, tenderId: 't1' }],
      region: 'a',
    });
    const invoke = entries[0] as InvokeEntry;
    expect(invoke.latenessMs).toBeCloseTo(0.3, 3);
    expect(invoke.sentNs - invoke.scheduledNs).toBe(300_000);
    expect(ok.latencyMs).toBeCloseTo(119.8, 3);
    expect((entries[2] as CompletionEntry).error).toEqual({ code: 'out-of-stock', message: 'no' });
    // The return carries the SUT's order id it was sent with.
    expect((entries[4] as InvokeEntry).value).toMatchObject({ orderId: 'ord-1', idempotencyKey: 'r' });
    expect((entries[5] as CompletionEntry).error?.code).toBe('ECONNREFUSED');
    expect(converter.counts).toMatchObject({ sent: 3, ok: 1, fail: 2, info: 0, dropped: 1 });
  });

  it('renames a device after an info, and numbers retries as their own ops', () => {
    const { entries, converter, feed } = setup();
    feed({ e: 'i', i: 0, a: 1, s: 1_000.5 });
    feed({ e: 'c', i: 0, a: 1, c: 4_000.5, st: 0, ec: 1050, em: 'request timeout' });
    feed({ e: 'i', i: 0, a: 2, s: 5_001, q: 5_000.5 });
    feed({ e: 'i', i: 2, a: 1, s: 5_002 });
    feed({ e: 'c', i: 0, a: 2, c: 5_010, st: 201, b: JSON.stringify(ORDER) });
    converter.finish('stopped', 'aborted');
    const ops = entries.filter((e): e is InvokeEntry | CompletionEntry => 'op' in e && e.type !== 'drop');
    expect(ops.map((e) => [e.type, e.op, e.process])).toEqual([
      ['invoke', 'r.k6:0', 'web:shopper-1'],
      ['info', 'r.k6:0', 'web:shopper-1'],
      ['invoke', 'r.k6:0.2', 'web:shopper-1#1'],
      ['invoke', 'r.k6:2', 'web:shopper-1#1'],
      ['ok', 'r.k6:0.2', 'web:shopper-1#1'],
      // Still out when k6 stopped: unknown.
      ['info', 'r.k6:2', 'web:shopper-1#1'],
    ]);
    const retry = ops[2] as InvokeEntry;
    expect(retry.sentNs - retry.scheduledNs).toBe(500_000);
    expect((ops[5] as CompletionEntry).error?.code).toBe('aborted');
    // A stopped run's unsent ops were never due: no drops.
    expect(entries.some((e) => e.type === 'drop')).toBe(false);
  });

  it('moves an entry later than the window up to keep the file in order', () => {
    const { entries, converter, feed } = setup();
    feed({ e: 'i', i: 1, a: 1, s: 1_200 });
    feed({ e: 'c', i: 1, a: 1, c: 1_400, st: 409, b: '{"error":"out-of-stock"}' });
    feed({ e: 'i', i: 0, a: 1, s: 1_100 });
    converter.finish('stopped', 'x');
    const sent = entries.filter((e): e is InvokeEntry => e.type === 'invoke').map((e) => [e.op, e.sentNs]);
    expect(sent[1]![0]).toBe('r.k6:0');
    expect(sent[1]![1]).toBeGreaterThanOrEqual(sent[0]![1] as number);
    expect(converter.counts.reordered).toBe(1);
  });

  it("keeps to its own shard's ops (k6 stripes equal segments by iteration)", () => {
    const { entries, converter, registry } = setup({ index: 1, count: 2 });
    expect(converter.owns(1) && converter.owns(3) && !converter.owns(0)).toBe(true);
    // Op 0's checkout belongs to the other shard: absent here until someone reports it.
    expect(registry.lookup('k0')).toEqual({ state: 'absent' });
    expect(registry.lookup('k1')).toEqual({ state: 'pending' });
    converter.finish('completed', 'done');
    expect(entries.filter((e) => e.type === 'drop').map((e) => ('op' in e ? e.op : ''))).toEqual([
      'r.k6:1:1',
      'r.k6:1:3',
    ]);
    expect(registry.lookup('k1')).toEqual({ state: 'absent' });
  });

  it('reads k6 errors as the node fleets read theirs: a refused dial never reached the store', () => {
    expect(k6HttpOutcome(0, null, 1212, 'refused')).toEqual({
      kind: 'not-sent',
      error: { code: 'ECONNREFUSED', message: 'refused' },
    });
    expect(k6HttpOutcome(0, null, 1050, 'timeout').kind).toBe('unknown');
    expect(k6HttpOutcome(503, '{"outcome":"not-applied"}')).toEqual({
      kind: 'answer',
      status: 503,
      body: { outcome: 'not-applied' },
    });
  });
});
