import { describe, expect, it } from 'vitest';
import { authoritativeState, emptyRegionState, parseFinalState, regionStateSchema } from './final-state.ts';

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
});
