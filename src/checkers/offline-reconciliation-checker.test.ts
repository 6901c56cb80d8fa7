import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { offlineReconciliationChecker } from './offline-reconciliation-checker.ts';
import { finalState, HistoryFixture } from './testing/history-fixture.ts';

const cash = (c: number) => [{ type: 'cash', amountCents: c }];
const sale = (saleId: string, qty = 2) => ({ saleId, lines: [{ sku: 'A', qty }], tenders: cash(500) });
const sync = (
  h: HistoryFixture,
  batchId: string,
  sales: ReturnType<typeof sale>[],
  ack: 'ok' | 'info',
  at = 0,
) =>
  h.op(
    'offline-sync',
    { terminal: 'T1', batchId, sales },
    ack === 'ok'
      ? { at, ok: { batchId, sales: sales.map((s) => ({ saleId: s.saleId, status: 'applied' })) } }
      : { at, info: true },
  );
const order = (orderId: string, saleId: string, qty = 2, backorderedQty = 0, tenders = cash(500)) => ({
  orderId,
  offlineSaleId: saleId,
  lines: [{ sku: 'A', qty, backorderedQty }],
  tenders,
});
const taken = (seq: number, saleId: string, units: number) => ({
  seq,
  sku: 'A',
  store: 'S1',
  delta: -units,
  reason: 'offline-sale',
  refType: 'offline-sale',
  refId: saleId,
});
const check = (h: HistoryFixture, s?: ReturnType<typeof finalState>) =>
  offlineReconciliationChecker().check(h.index(), s, defaultCheckOptions);

describe('offline reconciliation checker', () => {
  it('passes when every acknowledged sale is applied once, backorders accounted for', () => {
    const h = new HistoryFixture();
    sync(h, 'B1', [sale('s1'), sale('s2')], 'ok');
    sync(h, 'B1', [sale('s1'), sale('s2')], 'ok', 10); // re-sent batch
    const s = finalState({
      a: {
        orders: [order('o1', 's1'), order('o2', 's2', 2, 1)],
        offlineSales: [
          { saleId: 's1', batchId: 'B1' },
          { saleId: 's2', batchId: 'B1', backorderedQty: 1 },
        ],
        ledger: [taken(1, 's1', 2), taken(2, 's2', 1)],
      },
    });
    const r = check(h, s);
    expect(r.valid).toBe(true);
    expect(r.figures).toMatchObject({ acknowledged: 2, lost: 0, backorderedUnits: 1 });
  });

  it('sums the one-unit lines of serialized items before comparing what a sale took', () => {
    const h = new HistoryFixture();
    const units = {
      saleId: 's1',
      lines: [
        { sku: 'A', qty: 1 },
        { sku: 'A', qty: 1 },
        { sku: 'A', qty: 1 },
      ],
      tenders: cash(500),
    };
    sync(h, 'B1', [units as ReturnType<typeof sale>], 'ok');
    const unitLines = [1, 2, 3].map(() => ({ sku: 'A', qty: 1, backorderedQty: 0 }));
    const state = (ledger: ReturnType<typeof taken>[]) =>
      finalState({
        a: {
          orders: [{ orderId: 'o1', offlineSaleId: 's1', lines: unitLines, tenders: cash(500) }],
          offlineSales: [{ saleId: 's1', batchId: 'B1' }],
          ledger,
        },
      });
    expect(check(h, state([taken(1, 's1', 1), taken(2, 's1', 1), taken(3, 's1', 1)])).valid).toBe(true);
    const doubled = check(h, state([taken(1, 's1', 3), taken(2, 's1', 1)]));
    expect(doubled.valid).toBe(false);
    expect(doubled.evidence.map((e) => e.actual)).toContain('4 taken, 0 backordered');
  });

  it('fails on a lost acknowledged sale but not on a missing unacknowledged one', () => {
    const h = new HistoryFixture();
    sync(h, 'B1', [sale('s1')], 'ok');
    sync(h, 'B2', [sale('s2')], 'info');
    const r = check(h, finalState({ a: {} }));
    expect(r.valid).toBe(false);
    expect(r.figures.lost).toBe(1);
    expect(r.evidence[0]).toMatchObject({ key: 's1' });
  });

  it('fails on sales sold at the till whose batch the store refused (4xx) and never recorded', () => {
    const h = new HistoryFixture();
    const refuse = (batchId: string, sales: ReturnType<typeof sale>[], value: unknown, code: string) =>
      h.op('offline-sync', { terminal: 'T1', batchId, sales }, { at: 0, fail: value, code });
    refuse('B1', [sale('s1'), sale('s2')], { status: 400, error: 'invalid-request' }, 'invalid-request');
    // Never reached the store (the uplink was down): the till keeps those sales, nothing is lost.
    refuse('B2', [sale('s3')], undefined, 'ECONNREFUSED');
    // The store refused, yet recorded s4 anyway: not lost.
    refuse('B3', [sale('s4')], { status: 422, error: 'unknown-sku' }, 'unknown-sku');
    const r = check(h, finalState({ a: { orders: [order('o4', 's4')] } }));
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ refused: 2, lost: 0 });
    expect(r.evidence.map((e) => (e as { key?: string }).key)).toEqual(['s1', 's2']);
    expect(r.evidence[0]).toMatchObject({
      what: 'offline sale sold at the till, then refused with its batch and never recorded',
      actual: 'HTTP 400 invalid-request for batch B1',
    });
  });

  it('a refusal for a retry that was itself a 503 (unavailable) or a 408 refuses nothing', () => {
    const h = new HistoryFixture();
    h.op(
      'offline-sync',
      { terminal: 'T1', batchId: 'B1', sales: [sale('s1')] },
      { at: 0, fail: { status: 503, error: 'not-writable' } },
    );
    h.op(
      'offline-sync',
      { terminal: 'T1', batchId: 'B2', sales: [sale('s2')] },
      { at: 0, fail: { status: 408 } },
    );
    const r = check(h, finalState({ a: {} }));
    expect(r.figures.refused ?? 0).toBe(0);
    expect(r.valid).not.toBe(false);
  });

  it('fails when a re-sent batch takes stock again for an applied sale', () => {
    const h = new HistoryFixture();
    sync(h, 'B1', [sale('s1')], 'ok');
    const s = finalState({
      a: { orders: [order('o1', 's1')], ledger: [taken(1, 's1', 2), taken(2, 's1', 2)] },
    });
    const r = check(h, s);
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ doubleApplied: 1, unaccountedUnits: 2 });
  });

  it('fails when an unacknowledged sale was recorded twice', () => {
    const h = new HistoryFixture();
    sync(h, 'B1', [sale('s1')], 'info');
    const r = check(h, finalState({ a: { orders: [order('o1', 's1'), order('o2', 's1')] } }));
    expect(r.figures.doubleApplied).toBe(1);
  });

  it('fails when tenders differ from what was rung up', () => {
    const h = new HistoryFixture();
    sync(h, 'B1', [sale('s1')], 'ok');
    const s = finalState({
      a: {
        orders: [order('o1', 's1', 2, 0, [{ type: 'card', amountCents: 500 }])],
        ledger: [taken(1, 's1', 2)],
      },
    });
    const r = check(h, s);
    expect(r.valid).toBe(false);
    expect(r.figures.tenderMismatches).toBe(1);
  });

  it('is unknown without a final state', () => {
    expect(check(new HistoryFixture()).valid).toBe('unknown');
  });

  it('holds every sale of an acknowledged upload to it, even one the answer did not list', () => {
    const h = new HistoryFixture();
    h.op(
      'offline-sync',
      { terminal: 'T1', batchId: 'B1', sales: [sale('s1'), sale('s2')] },
      { at: 0, ok: { batchId: 'B1', sales: [{ saleId: 's1', status: 'applied' }] } },
    );
    const r = check(h, finalState({ a: { orders: [order('o1', 's1')], ledger: [taken(1, 's1', 2)] } }));
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ acknowledged: 2, lost: 1 });
    expect(r.evidence[0]).toMatchObject({ key: 's2' });
    expect(r.evidence[0]!.what).toMatch(/without listing it/);
  });

  it('is unknown when the oracle read neither orders nor offline sales, or no ledger', () => {
    const h = new HistoryFixture();
    sync(h, 'B1', [sale('s1')], 'ok');
    const unread = check(h, finalState({ a: { read: ['stock'] } }));
    expect(unread.valid).toBe('unknown');
    expect(unread.figures.lost).toBe(0);
    const noLedger = check(h, finalState({ a: { read: ['orders'], orders: [order('o1', 's1')] } }));
    expect(noLedger.valid).toBe('unknown');
  });

  it('has nothing to check, and says so, in a run without offline sales', () => {
    const r = check(new HistoryFixture(), finalState({ a: {} }));
    expect(r).toMatchObject({ valid: 'unknown', notApplicable: true });
  });
});
