import { describe, expect, it } from 'vitest';
import { allocateOfflineSales } from './offline-sync-repository.ts';

const sale = (saleId: string, soldAt: string, sku: string, qty: number) => ({
  sale: {
    saleId,
    soldAt,
    lines: [{ sku, qty, unitPriceCents: 100 }],
    tenders: [{ kind: 'cash' as const, amountCents: qty * 100 }],
  },
  orderId: `order-${saleId}`,
});

describe('allocateOfflineSales (pure)', () => {
  it('takes stock in the order the sales were rung up and backorders the rest, never dropping a unit', () => {
    const onHand = new Map([['A', 3]]);
    const result = allocateOfflineSales(
      [sale('late', '2025-11-28T10:00:00Z', 'A', 2), sale('early', '2025-11-28T09:00:00Z', 'A', 2)],
      onHand,
    );
    expect(
      result.map((a) => [a.sale.saleId, a.lines[0]!.taken, a.lines[0]!.backordered, a.lines[0]!.onHandAfter]),
    ).toEqual([
      ['early', 2, 0, 1],
      ['late', 1, 1, 0],
    ]);
    expect(onHand.get('A')).toBe(0);
  });

  it('backorders everything for a SKU the store has no stock of', () => {
    const [only] = allocateOfflineSales([sale('s', '2025-11-28T09:00:00Z', 'B', 4)], new Map([['B', 0]]));
    expect(only!.lines[0]).toEqual({ sku: 'B', qty: 4, taken: 0, backordered: 4, onHandAfter: 0 });
  });
});
