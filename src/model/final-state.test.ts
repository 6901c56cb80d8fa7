import { describe, expect, it } from 'vitest';
import {
  authoritativeState,
  emptyRegionState,
  parseFinalState,
  regionStateSchema,
  wasRead,
} from './final-state.ts';

describe('final state', () => {
  it('fills in defaults so an oracle writes only what it has', () => {
    const s = parseFinalState({
      schemaVersion: 1,
      authoritativeRegion: 'b',
      regions: {
        b: {
          region: 'b',
          orders: [
            { orderId: 'o1', lines: [{ sku: 'A', qty: 2 }], tenders: [{ type: 'card', amountCents: 10 }] },
          ],
          ledger: [
            { seq: 1, sku: 'A', store: 'S1', delta: 5, reason: 'seed', refType: 'seed', refId: 'seed' },
          ],
        },
      },
    });
    const b = authoritativeState(s)!;
    expect(b.orders[0]).toMatchObject({ idempotencyKey: null, offlineSaleId: null, status: 'completed' });
    expect(b.orders[0]!.lines[0]).toEqual({ sku: 'A', qty: 2, epc: null, backorderedQty: 0, returnedQty: 0 });
    expect(b.ledger[0]).toMatchObject({ absolute: false, idempotencyKey: null });
    expect(b.available).toBeUndefined();
    expect(b.refunds).toEqual([]);
  });

  it('rejects an authoritative region that was not read, naming the field', () => {
    const r = () =>
      parseFinalState({ schemaVersion: 1, authoritativeRegion: 'a', regions: { b: { region: 'b' } } });
    expect(r).toThrow(/authoritativeRegion/);
  });

  it('an empty region is a valid region', () => {
    expect(regionStateSchema.parse(emptyRegionState('a'))).toEqual(emptyRegionState('a'));
    expect(authoritativeState(undefined)).toBeUndefined();
  });

  it('tells "no orders" from "orders not read": a state.json without `read` read what it names', () => {
    const old = parseFinalState({
      schemaVersion: 1,
      authoritativeRegion: 'a',
      regions: { a: { region: 'a', orders: [], stock: [] } },
    });
    const a = authoritativeState(old)!;
    expect(wasRead(a, 'orders')).toBe(true);
    expect(wasRead(a, 'stock')).toBe(true);
    expect(wasRead(a, 'refunds')).toBe(false);
    expect(wasRead(a, 'available')).toBe(false);
    expect(a.refunds).toEqual([]);
  });

  it('keeps a declared coverage and refund policy, and reads an object built in code as read whole', () => {
    const s = parseFinalState({
      schemaVersion: 1,
      authoritativeRegion: 'a',
      refundPolicy: 'last-tender-first',
      regions: { a: { region: 'a', read: ['orders'], orders: [], stock: [] } },
    });
    expect(s.refundPolicy).toBe('last-tender-first');
    expect(wasRead(authoritativeState(s)!, 'stock')).toBe(false);
    expect(wasRead(emptyRegionState('a'), 'ledger')).toBe(true);
  });
});
