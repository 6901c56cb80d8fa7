import { describe, expect, it } from 'vitest';
import { matchReturnLines } from './return-repository.ts';
import { StoreApiError } from './store-errors.ts';

const line = (
  line_no: number,
  sku: string,
  qty: number,
  returned_qty = 0,
  epc: string | null = null,
  backordered_qty = 0,
) => ({
  line_no,
  sku,
  qty,
  returned_qty,
  backordered_qty,
  unit_price_cents: 100 * line_no,
  epc,
});

describe('matchReturnLines (pure)', () => {
  it('spreads a returned quantity over the lines of that SKU that still have units to return', () => {
    const lines = [line(1, 'A', 2, 1), line(2, 'B', 1), line(3, 'A', 3)];
    expect(matchReturnLines('o1', lines, [{ sku: 'A', qty: 3 }])).toEqual([
      { orderLineNo: 1, sku: 'A', qty: 1, unitPriceCents: 100, epc: null },
      { orderLineNo: 3, sku: 'A', qty: 2, unitPriceCents: 300, epc: null },
    ]);
  });

  it('matches an EPC to its own line only', () => {
    const lines = [line(1, 'A', 1, 0, 'E1'), line(2, 'A', 1, 0, 'E2')];
    expect(matchReturnLines('o1', lines, [{ sku: 'A', qty: 1, epc: 'E2' }])).toEqual([
      { orderLineNo: 2, sku: 'A', qty: 1, unitPriceCents: 200, epc: 'E2' },
    ]);
  });

  it('refuses (409, replayable) to return more than was sold and not yet returned, or backordered units', () => {
    const lines = [line(1, 'A', 2, 1), line(2, 'B', 3, 0, null, 2)];
    for (const requested of [[{ sku: 'A', qty: 2 }], [{ sku: 'B', qty: 2 }], [{ sku: 'Z', qty: 1 }]]) {
      let caught: unknown;
      try {
        matchReturnLines('o1', lines, requested);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StoreApiError);
      expect((caught as StoreApiError).code).toBe('nothing-to-return');
      expect((caught as StoreApiError).replayable).toBe(true);
    }
  });
});
