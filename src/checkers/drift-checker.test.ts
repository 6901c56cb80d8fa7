import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { driftChecker } from './drift-checker.ts';
import { finalState, HistoryFixture } from './testing/history-fixture.ts';

const entry = (seq: number, sku: string, delta: number) => ({
  seq,
  sku,
  store: 'S1',
  delta,
  reason: 'seed',
  refType: 'seed',
  refId: `s${seq}`,
});
const check = (s?: ReturnType<typeof finalState>, regionsMustAgree = false) =>
  driftChecker({ regionsMustAgree }).check(new HistoryFixture().index(), s, defaultCheckOptions);

describe('drift checker', () => {
  const consistent = {
    skus: ['A', 'B', 'C', 'D'],
    ledger: [entry(1, 'A', 5), entry(2, 'A', -2), entry(3, 'B', 1)],
    stock: [
      { sku: 'A', store: 'S1', onHand: 3 },
      { sku: 'B', store: 'S1', onHand: 1 },
    ],
  };

  it('passes when the ledger sums to the stock counters', () => {
    const r = check(finalState({ a: consistent }));
    expect(r.valid).toBe(true);
    expect(r.figures).toMatchObject({ driftedSkus: 0, driftRate: 0, skus: 4 });
  });

  it('fails with the drift rate when counters and ledger disagree (also a ledger row with no counter)', () => {
    const r = check(finalState({ a: { ...consistent, stock: [{ sku: 'A', store: 'S1', onHand: 4 }] } }));
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ driftedSkus: 2, driftRate: 0.5, driftUnits: 2 });
  });

  it('measures region vs region drift, failing only when regions must agree', () => {
    const b = {
      ...consistent,
      ledger: [...consistent.ledger, entry(4, 'B', 1)],
      stock: [consistent.stock[0]!, { sku: 'B', store: 'S1', onHand: 2 }],
    };
    const s = finalState({ a: consistent, b });
    expect(check(s).valid).toBe(true);
    expect(check(s).figures).toMatchObject({ regionDriftedSkus: 1, regionDriftRate: 0.25 });
    expect(check(s, true).valid).toBe(false);
  });

  it('checks every region read, not only the survivor', () => {
    const s = finalState({ a: consistent, b: { ledger: [entry(1, 'A', 1)] } });
    expect(check(s).valid).toBe(false);
    expect(check(s).figures['driftedSkus{b}']).toBe(1);
  });

  it('is unknown without a final state', () => {
    expect(check(undefined).valid).toBe('unknown');
  });

  it("is unknown when the survivor's ledger or stock was not read, and skips other regions not read", () => {
    const r = check(finalState({ a: { ...consistent, read: ['stock', 'skus'] } }));
    expect(r.valid).toBe('unknown');
    expect(r.explanation).toMatch(/not read/);
    const s = finalState({ a: consistent, b: { read: ['orders'] } });
    expect(check(s).valid).toBe(true);
    expect(check(s).figures['driftedSkus{b}']).toBeUndefined();
  });

  it('has nothing to reconcile in an empty region', () => {
    expect(check(finalState({ a: {} }))).toMatchObject({ valid: 'unknown', notApplicable: true });
  });
});
