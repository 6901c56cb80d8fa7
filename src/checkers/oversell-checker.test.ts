import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { oversellChecker } from './oversell-checker.ts';
import { checkoutOk, checkoutValue, finalState, HistoryFixture } from './testing/history-fixture.ts';

const check = (
  h: HistoryFixture,
  state?: ReturnType<typeof finalState>,
  initialStock?: { sku: string; qty: number }[],
) =>
  oversellChecker(initialStock === undefined ? {} : { initialStock }).check(
    h.index(),
    state,
    defaultCheckOptions,
  );

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
      a: {
        orders: [order('o1', 'A', 1, { epc: 'E1', returnedQty: 1 }), order('o2', 'A', 1, { epc: 'E1' })],
        available: [{ sku: 'A', qty: 1 }],
      },
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
    expect(check(h, finalState({ a: {} }), [{ sku: 'A', qty: 1 }]).valid).toBe(true);
  });

  it('is unknown without a final state', () => {
    expect(check(new HistoryFixture()).valid).toBe('unknown');
  });

  it('is unknown, not true, when nothing says how much stock there was', () => {
    const s = finalState({ a: { read: ['orders', 'stock'], orders: [order('o1', 'A', 2)] } });
    const r = check(new HistoryFixture(), s);
    expect(r.valid).toBe('unknown');
    expect(r.figures).toMatchObject({ undecidedSkus: 1, availabilityKnown: 0 });
    expect(r.explanation).toMatch(/no catalog/);
  });

  it("takes the initial stock from the run's catalog", () => {
    const s = finalState({ a: { read: ['orders', 'stock'], orders: [order('o1', 'A', 2)] } });
    const r = check(new HistoryFixture(), s, [{ sku: 'A', qty: 1 }]);
    expect(r.valid).toBe(false);
    expect(r.evidence[0]).toMatchObject({ what: 'sold more than was made available', sku: 'A', actual: 2 });
    expect(check(new HistoryFixture(), s, [{ sku: 'A', qty: 2 }]).valid).toBe(true);
  });

  it('finds acknowledged sales beyond stock even when the state lost the orders', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 1 }]), { at: 0, ok: checkoutOk('o1') });
    h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 1 }]), { at: 3, ok: checkoutOk('o1') }); // retry
    h.op('checkout', checkoutValue('k2', [{ sku: 'A', qty: 1 }]), { at: 5, ok: checkoutOk('o2') });
    const r = check(h, finalState({ a: {} }), [{ sku: 'A', qty: 1 }]);
    expect(r.valid).toBe(false);
    expect(r.evidence[0]).toMatchObject({
      what: 'acknowledged sales exceed what was made available',
      actual: 2,
    });
  });

  it('counts indeterminate sales: unknown while the orders were not read, settled by the orders once read', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 1 }]), { at: 0, ok: checkoutOk('o1') });
    h.op('checkout', checkoutValue('k2', [{ sku: 'A', qty: 1 }]), { at: 5, info: true });
    h.op('checkout', checkoutValue('k3', [{ sku: 'A', qty: 1 }]), { at: 9, pending: true });
    const catalog = [{ sku: 'A', qty: 2 }];
    const unread = check(h, finalState({ a: { read: ['stock'] } }), catalog);
    expect(unread.valid).toBe('unknown');
    expect(unread.figures.indeterminateUnits).toBe(2);
    expect(unread.explanation).toMatch(/orders were not read/);
    // The orders show one of the two indeterminate sales happened: within stock.
    const read = finalState({ a: { orders: [order('o1', 'A', 1), order('o2', 'A', 1)] } });
    expect(check(h, read, catalog).valid).toBe(true);
    // With room for every sale that may have happened, the history alone settles it.
    expect(check(h, finalState({ a: { read: ['stock'] } }), [{ sku: 'A', qty: 3 }]).valid).toBe(true);
  });

  it('adds restocks and counts the state shows to the catalog, and is unknown when it shows none but scans ran', () => {
    const h = new HistoryFixture();
    h.op('scan', { store: 'S1', sku: 'A', sequence: 1, kind: 'receiving', qty: 3 }, { at: 0, ok: {} });
    const sold = [order('o1', 'A', 4)];
    const withLedger = finalState({
      a: {
        orders: sold,
        ledger: [
          { seq: 1, sku: 'A', store: 'S1', delta: 3, reason: 'receiving', refType: 'scan', refId: 'x' },
        ],
      },
    });
    expect(check(h, withLedger, [{ sku: 'A', qty: 2 }]).valid).toBe(true);
    const blind = finalState({ a: { read: ['orders'], orders: sold } });
    const r = check(h, blind, [{ sku: 'A', qty: 2 }]);
    expect(r.valid).toBe('unknown');
    expect(r.explanation).toMatch(/scans or webhooks/);
  });
});
