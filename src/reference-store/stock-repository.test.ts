import { describe, expect, it } from 'vitest';
import { DefectSwitches } from './defects.ts';
import { aggregateDemand, takeStockSql } from './stock-repository.ts';

describe('aggregateDemand', () => {
  it('sums lines per SKU and sorts by SKU, so stock rows are always locked in one order', () => {
    expect(
      aggregateDemand([
        { sku: 'B', qty: 1 },
        { sku: 'A', qty: 2 },
        { sku: 'B', qty: 3 },
      ]),
    ).toEqual([
      { sku: 'A', qty: 2 },
      { sku: 'B', qty: 4 },
    ]);
  });
});

describe('takeStockSql', () => {
  const p = { store: '$1', skus: '$2', qtys: '$3' };

  it('decrements the locked row, guarded by on_hand >= qty, in the correct store', () => {
    const sql = takeStockSql(new DefectSwitches(undefined), p);
    expect(sql).toContain('SET on_hand = s.on_hand - w.qty');
    expect(sql).toContain('s.on_hand >= w.qty');
  });

  it('writes back a plain read minus the quantity under oversell-race', () => {
    const sql = takeStockSql(new DefectSwitches('oversell-race'), p);
    expect(sql).toContain('SET on_hand = seen.on_hand - w.qty');
    expect(sql).not.toContain('s.on_hand >= w.qty');
  });
});
