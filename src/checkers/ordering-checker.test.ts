import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { orderingChecker } from './ordering-checker.ts';
import { finalState, HistoryFixture } from './testing/history-fixture.ts';

const scan = (seq: number, sequence: number, absolute: boolean, delta = 1) => ({
  seq,
  sku: 'A',
  store: 'S1',
  delta,
  reason: absolute ? 'cycle-count' : 'receiving',
  refType: 'scan',
  refId: `scan-${sequence}`,
  sequence,
  absolute,
});
const check = (h: HistoryFixture, s?: ReturnType<typeof finalState>, strict = false) =>
  orderingChecker({ strict }).check(h.index(), s, defaultCheckOptions);

describe('ordering checker', () => {
  it('passes for sequences applied in order', () => {
    const r = check(
      new HistoryFixture(),
      finalState({ a: { ledger: [scan(1, 1, true), scan(2, 2, false), scan(3, 3, true)] } }),
    );
    expect(r.valid).toBe(true);
    expect(r.figures).toMatchObject({ staleOverwrites: 0, sequencedEntries: 3 });
  });

  it('fails when an older cycle count is applied after a newer event', () => {
    const r = check(
      new HistoryFixture(),
      finalState({ a: { ledger: [scan(1, 5, false), scan(2, 3, true)] } }),
    );
    expect(r.valid).toBe(false);
    expect(r.figures.staleOverwrites).toBe(1);
    expect(r.evidence[0]).toMatchObject({ sku: 'A', actual: 3 });
  });

  it('fails when an older delta lands after a newer count that already included it', () => {
    const r = check(
      new HistoryFixture(),
      finalState({ a: { ledger: [scan(1, 5, true), scan(2, 4, false)] } }),
    );
    expect(r.valid).toBe(false);
  });

  it('lets commuting deltas arrive out of order unless strict', () => {
    const s = finalState({ a: { ledger: [scan(1, 5, false), scan(2, 4, false)] } });
    expect(check(new HistoryFixture(), s).valid).toBe(true);
    expect(check(new HistoryFixture(), s).figures.outOfOrderApplies).toBe(1);
    expect(check(new HistoryFixture(), s, true).valid).toBe(false);
  });

  it('keeps streams, SKUs and stores apart', () => {
    const other = { ...scan(2, 1, true), store: 'S2' };
    const webhook = { ...scan(3, 2, true), reason: 'marketplace', refType: 'webhook' };
    expect(
      check(new HistoryFixture(), finalState({ a: { ledger: [scan(1, 9, true), other, webhook] } })).valid,
    ).toBe(true);
  });

  it('catches, from the history, a webhook level applied after a newer one was acknowledged', () => {
    const h = new HistoryFixture();
    h.op(
      'webhook',
      { eventId: 'e2', sku: 'A', sequence: 2, kind: 'inventory', absolute: 5 },
      { at: 0, ok: { outcome: 'applied' } },
    );
    h.op(
      'webhook',
      { eventId: 'e1', sku: 'A', sequence: 1, kind: 'inventory', absolute: 9 },
      { at: 10, ok: { outcome: 'applied' } },
    );
    const r = check(h);
    expect(r.valid).toBe(false);
    expect(r.figures.staleAcknowledged).toBe(1);
    // Concurrent (sent before the newer one was acknowledged): not provable.
    const c = new HistoryFixture();
    c.op(
      'webhook',
      { eventId: 'e2', sku: 'A', sequence: 2, kind: 'inventory', absolute: 5 },
      { at: 0, took: 20, ok: { outcome: 'applied' } },
    );
    c.op(
      'webhook',
      { eventId: 'e1', sku: 'A', sequence: 1, kind: 'inventory', absolute: 9 },
      { at: 10, ok: { outcome: 'applied' } },
    );
    expect(check(c).valid).toBe('unknown');
    // Rejected as stale: fine.
    const s = new HistoryFixture();
    s.op(
      'webhook',
      { eventId: 'e2', sku: 'A', sequence: 2, kind: 'inventory', absolute: 5 },
      { at: 0, ok: { outcome: 'applied' } },
    );
    s.op(
      'webhook',
      { eventId: 'e1', sku: 'A', sequence: 1, kind: 'inventory', absolute: 9 },
      { at: 10, ok: { outcome: 'stale' } },
    );
    const applied = {
      seq: 1,
      sku: 'A',
      store: 'S1',
      delta: 5,
      reason: 'marketplace',
      refType: 'webhook',
      refId: 'e2',
      stream: 'webhooks',
      sequence: 2,
      absolute: true,
    };
    expect(check(s, finalState({ a: { ledger: [applied] } })).valid).toBe(true);
    // Sequenced ops ran, but nothing shows the order they took effect in.
    expect(check(s, finalState({ a: {} })).valid).toBe('unknown');
    const unread = check(s, finalState({ a: { read: ['orders'] } }));
    expect(unread.valid).toBe('unknown');
    expect(unread.explanation).toMatch(/ledger was not read/);
  });

  it('has nothing to check without webhooks or scans', () => {
    expect(check(new HistoryFixture(), finalState({ a: {} }))).toMatchObject({
      valid: 'unknown',
      notApplicable: true,
    });
  });
});
