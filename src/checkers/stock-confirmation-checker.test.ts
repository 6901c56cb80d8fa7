import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { stockConfirmationChecker } from './stock-confirmation-checker.ts';
import { finalState, HistoryFixture } from './testing/history-fixture.ts';

const order = (orderId: string, status = 'completed', backorderedQty = 0) => ({
  orderId,
  status,
  lines: [{ sku: 'A', qty: 2, backorderedQty }],
  tenders: [{ type: 'card', amountCents: 100 }],
});
const check = (s: ReturnType<typeof finalState> | undefined) =>
  stockConfirmationChecker().check(new HistoryFixture().index(), s, defaultCheckOptions);

describe('stock-confirmation checker', () => {
  it('measures the share of orders taken without stock confirmed (backordered)', () => {
    const r = check(
      finalState(
        {
          b: { orders: [order('o1'), order('o2', 'backordered'), order('o3', 'completed', 1), order('o4')] },
        },
        'b',
      ),
    );
    expect(r.valid).toBe(true);
    expect(r.figures).toEqual({ orders: 4, unconfirmedOrders: 2, unconfirmedStockRate: 0.5 });
  });

  it('cannot say when orders were not read, and has nothing to judge with none', () => {
    expect(check(finalState({ b: { read: ['stock'] } }, 'b')).valid).toBe('unknown');
    expect(check(undefined).valid).toBe('unknown');
    expect(check(finalState({ a: {} })).notApplicable).toBe(true);
  });
});
