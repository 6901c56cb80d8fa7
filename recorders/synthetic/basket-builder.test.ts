import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TENDER_TYPES, type Tender } from '../../src/model/recording-schema.ts';
import { SHOPPING_DEFAULTS } from '../profiles/profile-defaults.ts';
import { allocateRefund, drawTenders } from './basket-builder.ts';
import { SeededRandom } from './seeded-random.ts';

const tenders = fc.array(
  fc.record({ type: fc.constantFrom(...TENDER_TYPES), amountCents: fc.integer({ min: 1, max: 1_000_000 }) }),
  { minLength: 1, maxLength: 4 },
);

describe('allocateRefund', () => {
  it('refunds exactly the amount, never more than any tender paid', () => {
    fc.assert(
      fc.property(tenders, fc.double({ min: 0, max: 1, noNaN: true }), (paid: Tender[], fraction) => {
        const total = paid.reduce((s, t) => s + t.amountCents, 0);
        const amount = Math.floor(total * fraction);
        const refunds = allocateRefund(amount, paid);
        expect(refunds.reduce((s, t) => s + t.amountCents, 0)).toBe(amount);
        for (const refund of refunds) {
          const index = paid.findIndex((t) => t.type === refund.type);
          expect(refund.amountCents).toBeGreaterThan(0);
          expect(refund.amountCents).toBeLessThanOrEqual(
            paid.filter((t) => t.type === refund.type).reduce((s, t) => s + t.amountCents, 0),
          );
          expect(index).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('spreads a refund over a split payment in proportion', () => {
    expect(
      allocateRefund(1000, [
        { type: 'gift_card', amountCents: 500 },
        { type: 'card', amountCents: 1500 },
      ]),
    ).toEqual([
      { type: 'gift_card', amountCents: 250 },
      { type: 'card', amountCents: 750 },
    ]);
  });
});

describe('drawTenders', () => {
  it('sums to the total, with two distinct tenders at the split rate', () => {
    const random = new SeededRandom(5);
    let splits = 0;
    const problems: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const total = random.int(2, 100_000);
      const drawn = drawTenders(random, total, SHOPPING_DEFAULTS.webTenderMix, 0.2);
      if (drawn.reduce((s, t) => s + t.amountCents, 0) !== total) problems.push(`sum ≠ ${total}`);
      if (drawn.some((t) => t.type === 'cash' || t.amountCents <= 0)) problems.push(JSON.stringify(drawn));
      if (drawn.length === 2) {
        splits += 1;
        if (drawn[0]!.type === drawn[1]!.type) problems.push(`same type twice: ${drawn[0]!.type}`);
      }
    }
    expect(problems).toEqual([]);
    expect(splits / 5000).toBeCloseTo(0.2, 1);
  });
});
