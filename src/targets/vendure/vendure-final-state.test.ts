import { describe, expect, it } from 'vitest';
import { parseFinalState } from '../../model/final-state.ts';
import { VENDURE_LOCATION, vendureFinalState, vendureFingerprint } from './vendure-final-state.ts';
import type { VendureState } from './vendure-oracle.ts';
import { vendureSeed } from './vendure-target.ts';

const state: VendureState = {
  readAt: '2026-12-05T10:00:00.000Z',
  stock: [
    {
      sku: 'HOT',
      variantId: '1',
      trackInventory: 'TRUE',
      stockOnHand: 2,
      stockAllocated: 2,
      saleable: 0,
      movements: { ADJUSTMENT: 2, ALLOCATION: 3 },
    },
  ],
  orders: [
    {
      code: 'ORD1',
      id: '10',
      state: 'PaymentSettled',
      placed: true,
      placedAt: '2026-12-05T09:59:00.000Z',
      totalWithTax: 999,
      lines: [{ sku: 'HOT', quantity: 1, placedQuantity: 1 }],
      payments: [{ id: '7', method: 'peakdrill-test-card', state: 'Settled', amount: 999 }],
    },
    {
      code: 'ACTIVE',
      id: '11',
      state: 'ArrangingPayment',
      placed: false,
      placedAt: null,
      totalWithTax: 999,
      lines: [{ sku: 'HOT', quantity: 1, placedQuantity: 0 }],
      payments: [],
    },
  ],
};

describe("Vendure's database as a FinalState", () => {
  it('keeps placed orders only, keyed by the code the Shop API answered, with settled payments as tenders', () => {
    const region = parseFinalState(vendureFinalState(state)).regions.a!;
    expect(region.orders).toEqual([
      expect.objectContaining({
        orderId: 'ORD1',
        status: 'PaymentSettled',
        lines: [expect.objectContaining({ sku: 'HOT', qty: 1 })],
        tenders: [{ tenderId: '7', type: 'peakdrill-test-card', amountCents: 999 }],
      }),
    ]);
  });

  it('stock is what Vendure would still sell; the seed is what was made available; unread lists are not read', () => {
    const parsed = parseFinalState(vendureFinalState(state));
    const region = parsed.regions.a!;
    expect(parsed.authoritativeRegion).toBe('a');
    expect(region.stock).toEqual([{ sku: 'HOT', store: VENDURE_LOCATION, onHand: 0 }]);
    expect(region.available).toEqual([{ sku: 'HOT', store: VENDURE_LOCATION, qty: 2, source: 'seed' }]);
    expect(region.read).toEqual(['skus', 'orders', 'stock', 'available']);
  });

  it('the settled fingerprint moves with placed orders and allocations, not with carts', () => {
    const more = { ...state, orders: [...state.orders, { ...state.orders[1]!, code: 'B' }] };
    expect(vendureFingerprint(more)).toBe(vendureFingerprint(state));
    const placed = { ...state, orders: [...state.orders, { ...state.orders[0]!, code: 'C' }] };
    expect(vendureFingerprint(placed)).not.toBe(vendureFingerprint(state));
  });

  it("seeds each SKU with the sum of peakdrill's per-store stock (Vendure has one location)", () => {
    expect(vendureSeed([{ sku: 'HOT', priceCents: 999, stock: { S001: 2, S002: 3, WEB: 1 } }])).toEqual([
      { sku: 'HOT', priceCents: 999, stock: 6 },
    ]);
  });
});
