import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { oversellChecker } from './oversell-checker.ts';
import { checkoutOk, checkoutValue, finalState, HistoryFixture } from './testing/history-fixture.ts';

const check = (h: HistoryFixture, state?: ReturnType<typeof finalState>) =>
  oversellChecker().check(h.index(), state, defaultCheckOptions);

const order = (orderId: string, sku: string, qty: number, extra: Record<string, unknown> = {}) => ({
  orderId,
  idempotencyKey: orderId,
  lines: [{ sku, qty, ...extra }],
  tenders: [{ type: 'card', amountCents: 100 }],
});

describe('oversell checker', () => {
  it('passes when sales stay within stock', () => {
    const s = finalState({
      a: {
        orders: [order('o1', 'A', 2), order('o2', 'A', 1)],
        available: [{ sku: 'A', store: 'S1', qty: 3 }],
        stock: [{ sku: 'A', store: 'S1', onHand: 0 }],
        ledger: [
          { seq: 1, sku: 'A', store: 'S1', delta: 3, reason: 'seed', refType: 'seed', refId: 's' },
          { seq: 2, sku: 'A', store: 'S1', delta: -2, reason: 'sale', refType: 'order', refId: 'o1' },
          { seq: 3, sku: 'A', store: 'S1', delta: -1, reason: 'sale', refType: 'order', refId: 'o2' },
        ],
      },
    });
    const r = check(new HistoryFixture(), s);
    expect(r.valid).toBe(true);
    expect(r.figures.oversoldUnits).toBe(0);
  });

  it('fails on units sold beyond what was made available, not counting backorders and returns', () => {
    const s = finalState({
      a: {
        orders: [
          order('o1', 'A', 2),
          order('o2', 'A', 2),
          order('o3', 'B', 5, { backorderedQty: 5 }),
          order('o4', 'C', 1, { returnedQty: 1 }),
          order('o5', 'C', 1),
        ],
        available: [
          { sku: 'A', qty: 3 },
          { sku: 'C', qty: 1 },
        ],
      },
    });
    const r = check(new HistoryFixture(), s);
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ oversoldUnits: 1, oversoldSkus: 1 });
    expect(r.evidence[0]).toMatchObject({ sku: 'A', actual: 4 });
  });

  it('fails when the ledger balance goes below zero although the counter shows 0 (a lost update)', () => {
    const s = finalState({
      a: {
        stock: [{ sku: 'A', store: 'S1', onHand: 0 }],
        ledger: [
          { seq: 1, sku: 'A', store: 'S1', delta: 1, reason: 'seed', refType: 'seed', refId: 's' },
          { seq: 2, sku: 'A', store: 'S1', delta: -1, reason: 'sale', refType: 'order', refId: 'o1' },
          { seq: 3, sku: 'A', store: 'S1', delta: -1, reason: 'sale', refType: 'order', refId: 'o2' },
        ],
      },
    });
    const r = check(new HistoryFixture(), s);
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ negativeStock: 1, oversoldUnits: 1 });
  });

  it('fails on a negative stock counter', () => {
    const r = check(
      new HistoryFixture(),
      finalState({ a: { stock: [{ sku: 'A', store: 'S1', onHand: -2 }] } }),
    );
    expect(r.valid).toBe(false);
    expect(r.figures.oversoldUnits).toBe(2);
  });

  it('fails when one EPC is held by two orders, but not after a return and resale', () => {
    const doubled = finalState({
      a: { orders: [order('o1', 'A', 1, { epc: 'E1' }), order('o2', 'A', 1, { epc: 'E1' })] },
    });
    const r = check(new HistoryFixture(), doubled);
    expect(r.valid).toBe(false);
    expect(r.figures.epcDoubleSold).toBe(1);
    const resold = finalState({
      a: { orders: [order('o1', 'A', 1, { epc: 'E1', returnedQty: 1 }), order('o2', 'A', 1, { epc: 'E1' })] },
    });
    expect(check(new HistoryFixture(), resold).valid).toBe(true);
  });

  it('proves a double-sold EPC from acknowledgements alone, ignoring retries and info sales', () => {
    const sale = (key: string) => checkoutValue(key, [{ sku: 'A', qty: 1, epc: 'E1' }]);
    const h = new HistoryFixture();
    h.op('checkout', sale('k1'), { at: 0, ok: checkoutOk('o1') });
    h.op('checkout', sale('k1'), { at: 5, ok: checkoutOk('o1') }); // retry, same key
    h.op('checkout', sale('k2'), { at: 10, info: true });
    expect(check(h).valid).toBe('unknown');
    h.op('checkout', sale('k3'), { at: 20, ok: checkoutOk('o3') });
    const r = check(h);
    expect(r.valid).toBe(false);
    expect(r.evidence[0]).toMatchObject({ what: 'serialized unit acknowledged as sold twice', key: 'E1' });
  });

  it('does not call a sale after a possible return a double sale', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 1, epc: 'E1' }]), { at: 0, ok: checkoutOk('o1') });
    h.op(
      'return',
      { orderId: 'o1', lines: [{ sku: 'A', qty: 1, epc: 'E1' }], idempotencyKey: 'r1' },
      { at: 10, info: true, took: 50 },
    );
    h.op('checkout', checkoutValue('k2', [{ sku: 'A', qty: 1, epc: 'E1' }]), {
      at: 20,
      ok: checkoutOk('o2'),
    });
    expect(check(h, finalState({ a: {} })).valid).toBe(true);
  });

  it('is unknown without a final state', () => {
    expect(check(new HistoryFixture()).valid).toBe('unknown');
  });
});
