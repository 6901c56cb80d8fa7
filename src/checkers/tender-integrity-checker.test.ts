import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { tenderIntegrityChecker } from './tender-integrity-checker.ts';
import { finalState, HistoryFixture } from './testing/history-fixture.ts';

const order = {
  orderId: 'o1',
  idempotencyKey: 'k1',
  lines: [{ sku: 'A', qty: 2 }],
  tenders: [
    { tenderId: 't1', type: 'gift_card', amountCents: 300 },
    { tenderId: 't2', type: 'card', amountCents: 700 },
  ],
};
const refund = (tenderId: string, tender: string, amountCents: number, returnId = 'R1', key = 'r1') => ({
  orderId: 'o1',
  returnId,
  tenderId,
  tender,
  amountCents,
  idempotencyKey: key,
});
const ret = (
  key: string,
  returnId: string,
  refunds: { type: string; amountCents: number; tenderId?: string }[],
) => ({
  value: { orderId: 'o1', lines: [{ sku: 'A', qty: 1 }], idempotencyKey: key },
  ok: { orderId: 'o1', returnId, refunds },
});
const check = (h: HistoryFixture, s?: ReturnType<typeof finalState>) =>
  tenderIntegrityChecker().check(h.index(), s, defaultCheckOptions);
const lastFirst = { refundPolicy: 'last-tender-first' };

describe('tender integrity checker', () => {
  it('passes when refunds stay within each tender, retries included', () => {
    const h = new HistoryFixture();
    const r1 = ret('r1', 'R1', [{ type: 'card', amountCents: 500, tenderId: 't2' }]);
    h.op('return', r1.value, { at: 0, ok: r1.ok });
    h.op('return', r1.value, { at: 5, ok: r1.ok }); // replayed answer, same refund
    const r = check(
      h,
      finalState({ a: { orders: [order], refunds: [refund('t2', 'card', 500)] } }, 'a', lastFirst),
    );
    expect(r.valid).toBe(true);
    expect(r.figures).toMatchObject({ overRefunds: 0, ordersRefunded: 1 });
  });

  it('fails when one tender is refunded beyond what it took', () => {
    const s = finalState({
      a: {
        orders: [order],
        refunds: [refund('t1', 'gift_card', 300), refund('t1', 'gift_card', 100, 'R2', 'r2')],
      },
    });
    const r = check(new HistoryFixture(), s);
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ overRefunds: 1, overRefundCents: 100 });
  });

  it('matches by tender type when ids are missing, and flags a refund to a tender never used', () => {
    const s = finalState({
      a: { orders: [order], refunds: [{ orderId: 'o1', tender: 'cash', amountCents: 1 }] },
    });
    expect(check(new HistoryFixture(), s).valid).toBe(false);
  });

  it('fails from acknowledged refunds even if the state lost the records', () => {
    const h = new HistoryFixture();
    const a = ret('r1', 'R1', [{ type: 'card', amountCents: 600 }]);
    const b = ret('r2', 'R2', [{ type: 'card', amountCents: 600 }]);
    h.op('return', a.value, { at: 0, ok: a.ok });
    h.op('return', b.value, { at: 10, ok: b.ok });
    const r = check(h, finalState({ a: { orders: [order] } }));
    expect(r.valid).toBe(false);
    expect(r.figures.overRefundCents).toBe(500);
  });

  it('fails when a retried return paid out twice under one key', () => {
    const s = finalState({
      a: { orders: [order], refunds: [refund('t2', 'card', 100, 'R1'), refund('t2', 'card', 100, 'R2')] },
    });
    const r = check(new HistoryFixture(), s);
    expect(r.valid).toBe(false);
    expect(r.figures.duplicateRefunds).toBe(1);
  });

  it('ignores info returns and is unknown without a final state', () => {
    const h = new HistoryFixture();
    const a = ret('r1', 'R1', [{ type: 'card', amountCents: 9_999 }]);
    h.op('return', a.value, { at: 0, info: true });
    // Nothing refunded: nothing to hold the tenders to.
    expect(check(h, finalState({ a: { orders: [order] } }))).toMatchObject({
      valid: 'unknown',
      notApplicable: true,
    });
    expect(check(h).valid).toBe('unknown');
  });

  it("checks each order's refunds against the declared policy, and is unknown without one", () => {
    // 300 back on the gift card, taken first: last-tender-first pays the card (taken last) first.
    const giftFirst = { orders: [order], refunds: [refund('t1', 'gift_card', 300)] };
    const r = check(new HistoryFixture(), finalState({ a: giftFirst }, 'a', lastFirst));
    expect(r.valid).toBe(false);
    expect(r.figures.policyViolations).toBe(1);
    expect(r.evidence[0]).toMatchObject({
      what: 'refunds not split last-tender-first',
      key: 'o1',
      expected: 't1 0, t2 300',
      actual: 't1 300, t2 0',
    });
    const first = finalState({ a: giftFirst }, 'a', { refundPolicy: 'first-tender-first' });
    expect(check(new HistoryFixture(), first).valid).toBe(true);
    // Across two returns: 700 fills the card, then 100 goes on the gift card.
    const two = {
      orders: [order],
      refunds: [refund('t2', 'card', 700), refund('t1', 'gift_card', 100, 'R2', 'r2')],
    };
    expect(check(new HistoryFixture(), finalState({ a: two }, 'a', lastFirst)).valid).toBe(true);
    const proportional = finalState(
      { a: { orders: [order], refunds: [refund('t1', 'gift_card', 30), refund('t2', 'card', 70)] } },
      'a',
      { refundPolicy: 'proportional' },
    );
    expect(check(new HistoryFixture(), proportional).valid).toBe(true);
    const undeclared = check(new HistoryFixture(), finalState({ a: giftFirst }));
    expect(undeclared.valid).toBe('unknown');
    expect(undeclared.explanation).toMatch(/declares no refund policy/);
  });

  it('fails when an acknowledged refund is not among the recorded refunds', () => {
    const h = new HistoryFixture();
    const a = ret('r1', 'R1', [{ type: 'card', amountCents: 500, tenderId: 't2' }]);
    h.op('return', a.value, { at: 0, ok: a.ok });
    const r = check(h, finalState({ a: { orders: [order] } }, 'a', lastFirst));
    expect(r.valid).toBe(false);
    expect(r.figures.missingRefunds).toBe(1);
    expect(r.evidence[0]).toMatchObject({ what: 'acknowledged refund not recorded', key: 'r1', actual: 0 });
  });

  it('is unknown when the refunds were not read', () => {
    const h = new HistoryFixture();
    const a = ret('r1', 'R1', [{ type: 'card', amountCents: 500, tenderId: 't2' }]);
    h.op('return', a.value, { at: 0, ok: a.ok });
    const r = check(h, finalState({ a: { read: ['orders'], orders: [order] } }, 'a', lastFirst));
    expect(r.valid).toBe('unknown');
    expect(r.explanation).toMatch(/refunds were not read/);
  });
});
