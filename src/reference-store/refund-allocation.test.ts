import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateRefund, type TenderBalance } from './refund-allocation.ts';

const tender = (tenderId: string, seq: number, amountCents: number, refundedCents = 0): TenderBalance => ({
  tenderId,
  seq,
  amountCents,
  refundedCents,
});

describe('allocateRefund', () => {
  it('refunds the last tender first, then earlier ones', () => {
    const plan = allocateRefund(1_000, [tender('card', 1, 600), tender('gift', 2, 700)]);
    expect(plan).toEqual({
      allocations: [
        { tenderId: 'gift', amountCents: 700 },
        { tenderId: 'card', amountCents: 300 },
      ],
      unallocatedCents: 0,
    });
  });

  it('never takes more from a tender than it has left after earlier refunds', () => {
    const plan = allocateRefund(500, [tender('card', 1, 600, 100), tender('gift', 2, 700, 650)]);
    expect(plan.allocations).toEqual([
      { tenderId: 'gift', amountCents: 50 },
      { tenderId: 'card', amountCents: 450 },
    ]);
  });

  it('reports what no tender can take instead of over-refunding', () => {
    const plan = allocateRefund(2_000, [tender('card', 1, 600), tender('cash', 2, 400, 400)]);
    expect(plan).toEqual({ allocations: [{ tenderId: 'card', amountCents: 600 }], unallocatedCents: 1_400 });
  });

  it('allocates nothing for a zero refund and rejects nonsense amounts', () => {
    expect(allocateRefund(0, [tender('card', 1, 600)])).toEqual({ allocations: [], unallocatedCents: 0 });
    expect(() => allocateRefund(-1, [])).toThrow(RangeError);
    expect(() => allocateRefund(1.5, [])).toThrow(RangeError);
  });

  it('property: per tender and in total, never more than is left; all of it when enough is left', () => {
    const tenders = fc
      .array(
        fc.record({
          amount: fc.integer({ min: 1, max: 100_000 }),
          refunded: fc.integer({ min: 0, max: 100_000 }),
        }),
        {
          minLength: 1,
          maxLength: 6,
        },
      )
      .map((ts) => ts.map((t, i) => tender(`t${i}`, i + 1, t.amount, Math.min(t.amount, t.refunded))));
    fc.assert(
      fc.property(tenders, fc.integer({ min: 0, max: 700_000 }), (ts, refund) => {
        const plan = allocateRefund(refund, ts);
        const left = ts.reduce((sum, t) => sum + t.amountCents - t.refundedCents, 0);
        const paid = plan.allocations.reduce((sum, a) => sum + a.amountCents, 0);
        expect(paid + plan.unallocatedCents).toBe(refund);
        expect(paid).toBe(Math.min(refund, left));
        for (const a of plan.allocations) {
          const t = ts.find((x) => x.tenderId === a.tenderId)!;
          expect(a.amountCents).toBeGreaterThan(0);
          expect(a.amountCents).toBeLessThanOrEqual(t.amountCents - t.refundedCents);
        }
        expect(new Set(plan.allocations.map((a) => a.tenderId)).size).toBe(plan.allocations.length);
      }),
    );
  });

  it('property: refunding in several parts never pays out more than refunding once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 15_000 }), { minLength: 1, maxLength: 8 }),
        (amounts, parts) => {
          let balances = amounts.map((a, i) => tender(`t${i}`, i + 1, a));
          let paid = 0;
          for (const part of parts) {
            const plan = allocateRefund(part, balances);
            paid += part - plan.unallocatedCents;
            balances = balances.map((b) => ({
              ...b,
              refundedCents:
                b.refundedCents + (plan.allocations.find((a) => a.tenderId === b.tenderId)?.amountCents ?? 0),
            }));
          }
          expect(paid).toBeLessThanOrEqual(amounts.reduce((x, y) => x + y, 0));
          for (const b of balances) expect(b.refundedCents).toBeLessThanOrEqual(b.amountCents);
        },
      ),
    );
  });
});
