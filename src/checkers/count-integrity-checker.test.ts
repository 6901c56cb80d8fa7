import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { countIntegrityChecker } from './count-integrity-checker.ts';
import { checkoutOk, checkoutValue, finalState, HistoryFixture } from './testing/history-fixture.ts';

// The fixture's run starts at 17:00:00.000Z: an op at 1000 ms is sent at 17:00:01.000.
const at = (ms: number) => new Date(Date.parse('2025-11-21T17:00:00.000Z') + ms).toISOString();
const count = (scanId: string, qty: number, heldMs?: number) => ({
  scanId,
  kind: 'cycle-count',
  sku: 'A',
  store: 'S001',
  sequence: 1,
  qty,
  ...(heldMs === undefined ? {} : { heldMs }),
});
let seq = 0;
const entry = (
  atMs: number | undefined,
  delta: number,
  reason: string,
  refType: string,
  refId: string,
  absolute = false,
) => ({
  seq: ++seq,
  sku: 'A',
  store: 'S001',
  delta,
  reason,
  refType,
  refId,
  absolute,
  ...(atMs === undefined ? {} : { at: at(atMs) }),
});
const seed = entry(0, 20, 'seed', 'seed', 'seed');
const sale = (atMs: number, qty: number, orderId: string) => entry(atMs, -qty, 'sale', 'order', orderId);
const applied = (atMs: number | undefined, delta: number, scanId = 'cc1') =>
  entry(atMs, delta, 'cycle-count', 'scan', scanId, true);
const check = (h: HistoryFixture, ledger: ReturnType<typeof entry>[], opts = {}) =>
  countIntegrityChecker(opts).check(h.index(), finalState({ a: { ledger } }), defaultCheckOptions);

/** 20 seeded; 2 sold at 500 ms; shelf counted (17) at 1000 ms; 3 sold at 1500 ms (acknowledged). */
function countWhileSelling(heldMs?: number): HistoryFixture {
  const h = new HistoryFixture();
  h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 2 }]), { at: 499, ok: checkoutOk('o1') });
  h.op('scan', count('cc1', 17, heldMs), { at: 1_000 + (heldMs ?? 0), ok: {} });
  h.op('checkout', checkoutValue('k2', [{ sku: 'A', qty: 3 }]), { at: 1_499, ok: checkoutOk('o2') });
  return h;
}

describe('count integrity checker', () => {
  it('passes when the sales made after the count was taken stay on top of it', () => {
    // 15 before the count; counted 17 − 3 sold since = 14: the count takes off one missing unit.
    const ledger = [seed, sale(500, 2, 'o1'), sale(1_500, 3, 'o2'), applied(2_000, -1)];
    const r = check(countWhileSelling(), ledger);
    expect(r.valid).toBe(true);
    expect(r.figures).toMatchObject({
      counts: 1,
      countsApplied: 1,
      countsJudged: 1,
      countsWithSalesInWindow: 1,
      salesInWindowUnits: 3,
      acknowledgedSalesInWindowUnits: 3,
      erasedUnits: 0,
    });
  });

  it('fails when a count puts back units sold after it was taken', () => {
    // The absolute set: 15 → 17, the 3 units sold at 1500 ms reappear… 3 − 1 missing = 3 erased.
    const ledger = [seed, sale(500, 2, 'o1'), sale(1_500, 3, 'o2'), applied(2_000, 2)];
    const r = check(countWhileSelling(), ledger);
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ erasedUnits: 3, countMismatches: 1, shortUnits: 0 });
    expect(r.evidence[0]).toMatchObject({ sku: 'A', store: 'S001', key: 'cc1', actual: 17 });
    expect(String(r.evidence[0]!.expected)).toMatch(/^14 /);
  });

  it('fails when a count wipes out a return made after it was taken', () => {
    const h = countWhileSelling();
    const ledger = [
      seed,
      sale(500, 2, 'o1'),
      entry(1_500, 4, 'return', 'return', 'r1'),
      // 22 before the count; expected 17 + 4 = 21; the store set 17.
      applied(2_000, -5),
    ];
    const r = check(h, ledger);
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ shortUnits: 4, erasedUnits: 0 });
  });

  it('places a held count at when it was counted, not when it was sent', () => {
    // Held 800 ms by its reader: counted at 1000, sent at 1800. The 3 sold at 1500 must stay.
    const ledger = [seed, sale(500, 2, 'o1'), sale(1_500, 3, 'o2'), applied(2_000, 2)];
    expect(check(countWhileSelling(800), ledger).valid).toBe(false);
    expect(check(countWhileSelling(800), [...ledger.slice(0, 3), applied(2_000, -1)]).valid).toBe(true);
  });

  it('keeps receiving and adjustments out of the window: sequence places them', () => {
    // A receiving sequenced before the count but applied after its snapshot is on the counted shelf.
    const ledger = [
      seed,
      sale(500, 2, 'o1'),
      entry(1_200, 5, 'receiving', 'scan', 'rcv1'),
      sale(1_500, 3, 'o2'),
      applied(2_000, -6),
    ];
    const r = check(countWhileSelling(), ledger);
    expect(r.valid).toBe(true);
  });

  it('takes a movement within the clock tolerance of the snapshot either way', () => {
    const ledger = [seed, sale(500, 2, 'o1'), sale(1_020, 3, 'o2')];
    // Counted 17 at 1000: 14 (the sale after) or 17 (the sale before) are both consistent.
    expect(check(countWhileSelling(), [...ledger, applied(2_000, -1)]).valid).toBe(true);
    expect(check(countWhileSelling(), [...ledger, applied(2_000, 2)]).valid).toBe(true);
    expect(check(countWhileSelling(), [...ledger, applied(2_000, 2)], { clockToleranceMs: 5 }).valid).toBe(
      false,
    );
  });

  it('is not applicable with no count, and unknown when a count cannot be placed in time', () => {
    const none = countIntegrityChecker().check(
      new HistoryFixture().index(),
      finalState({ a: { ledger: [seed] } }),
      defaultCheckOptions,
    );
    expect(none).toMatchObject({ valid: 'unknown', notApplicable: true });
    // The ledger has no times (an older oracle): nothing to set the count against.
    const timeless = check(countWhileSelling(), [
      entry(undefined, 20, 'seed', 'seed', 'seed'),
      sale(500, 2, 'o1'),
      applied(undefined, -1),
    ]);
    expect(timeless.valid).toBe('unknown');
    expect(timeless.notApplicable).toBeUndefined();
    // A count in the ledger that the history never sent.
    const stranger = check(countWhileSelling(), [seed, applied(2_000, -3, 'cc-other')]);
    expect(stranger.valid).toBe('unknown');
    expect(stranger.figures.countsWithoutSnapshot).toBe(1);
  });

  it('is unknown when the ledger was not read', () => {
    const r = countIntegrityChecker().check(
      countWhileSelling().index(),
      finalState({ a: { read: ['stock'] } }),
      defaultCheckOptions,
    );
    expect(r.valid).toBe('unknown');
    expect(r.notApplicable).toBeUndefined();
  });
});
