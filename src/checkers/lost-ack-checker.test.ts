import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { lostAckChecker } from './lost-ack-checker.ts';
import { checkoutOk, checkoutValue, finalState, HistoryFixture } from './testing/history-fixture.ts';

const line = [{ sku: 'A', qty: 1 }];
const order = (orderId: string, key: string | null, extra: Record<string, unknown> = {}) => ({
  orderId,
  idempotencyKey: key,
  lines: line,
  tenders: [{ type: 'card', amountCents: 100 }],
  ...extra,
});
const check = (h: HistoryFixture, s?: ReturnType<typeof finalState>) =>
  lostAckChecker().check(h.index(), s, defaultCheckOptions);

describe('lost-ack checker', () => {
  it('passes when every acknowledged checkout is in the surviving region, by order id or key', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', line), { at: 0, ok: checkoutOk('o1') });
    h.op('checkout', checkoutValue('k2', line), { at: 1, ok: checkoutOk('other-id') });
    const r = check(h, finalState({ b: { orders: [order('o1', 'k1'), order('o2', 'k2')] } }, 'b'));
    expect(r.valid).toBe(true);
    expect(r.figures).toMatchObject({ lostAcks: 0, acknowledgedOps: 2 });
  });

  it('never counts info, failed or pending ops as lost', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', line), { at: 0, info: true });
    h.op('checkout', checkoutValue('k2', line), { at: 1, fail: {} });
    h.op('checkout', checkoutValue('k3', line), { at: 2, pending: true });
    // Nothing acknowledged: nothing can have been lost, and nothing was proven either.
    expect(check(h, finalState({ a: {} }))).toMatchObject({ valid: 'unknown', notApplicable: true });
    h.op('checkout', checkoutValue('k0', line), { at: 3, ok: checkoutOk('o0') });
    expect(check(h, finalState({ a: { orders: [order('o0', 'k0')] } })).valid).toBe(true);
  });

  it('an acknowledged refund whose money movement is missing is a lost write', () => {
    const h = new HistoryFixture();
    h.op(
      'return',
      { orderId: 'o1', lines: line, idempotencyKey: 'r1' },
      { at: 0, ok: { orderId: 'o1', returnId: 'R1', refunds: [{ type: 'card', amountCents: 100 }] } },
    );
    const refund = { returnId: 'R1', orderId: 'o1', tender: 'card', amountCents: 100, idempotencyKey: 'r1' };
    const returned = { returns: [{ returnId: 'R1', orderId: 'o1', idempotencyKey: 'r1' }] };
    expect(check(h, finalState({ a: { ...returned, refunds: [refund] } })).valid).toBe(true);
    const r = check(h, finalState({ a: returned }));
    expect(r.valid).toBe(false);
    expect(r.evidence[0]).toMatchObject({ what: 'acknowledged refund missing', key: 'r1' });
    // …and a refund row is no proof the return itself was recorded.
    const noReturn = check(h, finalState({ a: { refunds: [refund] } }));
    expect(noReturn.valid).toBe(false);
    expect(noReturn.evidence[0]).toMatchObject({ what: 'acknowledged return missing', key: 'r1' });
  });

  it('counts every sale of an acknowledged upload, whether or not the answer lists it', () => {
    const h = new HistoryFixture();
    const sale = (saleId: string) => ({ saleId, lines: line, tenders: [{ type: 'cash', amountCents: 100 }] });
    h.op(
      'offline-sync',
      { terminal: 'T1', batchId: 'B1', sales: [sale('s1'), sale('s2')] },
      { at: 0, ok: { batchId: 'B1', sales: [{ saleId: 's1', status: 'applied' }] } },
    );
    const r = check(h, finalState({ a: { offlineSales: [{ saleId: 's1', batchId: 'B1' }] } }));
    expect(r.valid).toBe(false);
    expect(r.evidence.map((e) => e.key)).toEqual(['s2']);
  });

  it('is unknown, not lost, when the oracle did not read where a write would be', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', line), { at: 0, ok: checkoutOk('o1') });
    const r = check(h, finalState({ a: { read: ['stock'] } }));
    expect(r.valid).toBe('unknown');
    expect(r.figures).toMatchObject({ lostAcks: 0, unreadAcks: 1 });
    expect(r.explanation).toMatch(/did not read/);
  });

  it('fails with the lost count and the data-loss window', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', line), { at: 100, ok: checkoutOk('o1') });
    h.op('checkout', checkoutValue('k2', line), { at: 200, ok: checkoutOk('o2') });
    h.op('checkout', checkoutValue('k2', line), { at: 250, ok: checkoutOk('o2') }); // retry: same write
    h.op('checkout', checkoutValue('k3', line), { at: 400, ok: checkoutOk('o3') });
    h.fault('lose-region-a', 600, 900);
    const r = check(h, finalState({ b: { orders: [order('o1', 'k1')] } }, 'b'));
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({
      lostAcks: 2,
      dataLossWindowMs: 200,
      rpoMs: 399,
      firstLostAtMs: 201,
      lastLostAtMs: 401,
    });
    expect(r.evidence.map((e) => e.key)).toEqual(['k2', 'k3']);
  });

  it('checks acknowledged returns, exchanges and offline sales', () => {
    const h = new HistoryFixture();
    h.op(
      'return',
      { orderId: 'o1', lines: line, idempotencyKey: 'r1' },
      { at: 0, ok: { orderId: 'o1', returnId: 'R1', refunds: [] } },
    );
    h.op(
      'exchange',
      { orderId: 'o1', lines: line, newLines: line, idempotencyKey: 'x1' },
      { at: 1, ok: { orderId: 'o1', returnId: 'R2', refunds: [], exchangeOrderId: 'o9' } },
    );
    h.op(
      'offline-sync',
      {
        terminal: 'T1',
        batchId: 'B1',
        sales: [
          { saleId: 's1', lines: line, tenders: [{ type: 'cash', amountCents: 100 }] },
          { saleId: 's2', lines: line, tenders: [{ type: 'cash', amountCents: 100 }] },
        ],
      },
      {
        at: 2,
        ok: {
          batchId: 'B1',
          sales: [
            { saleId: 's1', status: 'applied' },
            { saleId: 's2', status: 'duplicate' },
          ],
        },
      },
    );
    const all = finalState({
      a: {
        orders: [order('o9', null), order('o10', null, { offlineSaleId: 's1' })],
        returns: [
          { returnId: 'R1', orderId: 'o1' },
          { returnId: 'R2', orderId: 'o1' },
        ],
        offlineSales: [{ saleId: 's2', batchId: 'B0' }],
      },
    });
    expect(check(h, all).valid).toBe(true);
    const r = check(h, finalState({ a: { returns: [{ returnId: 'R2', orderId: 'o1' }] } }));
    expect(r.valid).toBe(false);
    expect(r.figures.lostAcks).toBe(4);
    expect(r.evidence.map((e) => e.what)).toContain('acknowledged exchange missing');
  });

  it('is unknown without the surviving region, or when an acknowledged value cannot be read', () => {
    expect(check(new HistoryFixture()).valid).toBe('unknown');
    const h = new HistoryFixture();
    h.op('checkout', { garbage: 1 }, { at: 0, ok: {} });
    expect(check(h, finalState({ a: {} })).valid).toBe('unknown');
  });
});
