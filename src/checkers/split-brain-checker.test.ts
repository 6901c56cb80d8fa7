import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { splitBrainChecker } from './split-brain-checker.ts';
import { checkoutOk, checkoutValue, HistoryFixture } from './testing/history-fixture.ts';

const line = [{ sku: 'SKU-1', qty: 1 }];
let n = 0;
/** A checkout acknowledged by `region`, sent at `at` ms, answered 5 ms later. */
function sale(h: HistoryFixture, region: string | undefined, at: number): string {
  n++;
  const ok = { ...checkoutOk(`o${n}`), ...(region === undefined ? {} : { region }) };
  return h.op('checkout', checkoutValue(`k${n}`, line), { at, took: 5, ok });
}
const check = (h: HistoryFixture) => splitBrainChecker().check(h.index(), undefined, defaultCheckOptions);

describe('split-brain checker', () => {
  it('passes a failover and a failback: each change of writer happens inside a fault', () => {
    const h = new HistoryFixture();
    for (let t = 0; t < 1_000; t += 50) sale(h, 'a', t);
    h.fault('lose-region-a', 1_000, 2_000, 'region-loss');
    for (let t = 1_500; t < 4_000; t += 50) sale(h, 'b', t);
    h.fault('failback-to-a', 4_000, 4_500, 'failback');
    for (let t = 4_400; t < 6_000; t += 50) sale(h, 'a', t);
    const r = check(h);
    expect(r.valid).toBe(true);
    expect(r.figures.writesBetweenOtherWriters).toBe(0);
    // The sales sent before a window closed and the ones inside it are not judged.
    expect(r.figures.writesDuringFaults).toBeGreaterThan(0);
    expect(r.figures.writesJudged).toBeGreaterThan(60);
  });

  it('fails when a region takes writes between two writes of the other with no fault in progress', () => {
    const h = new HistoryFixture();
    h.fault('lose-region-a', 0, 1_000, 'region-loss');
    const before = sale(h, 'b', 1_100);
    const rogue = sale(h, 'a', 1_200);
    const after = sale(h, 'b', 1_300);
    const r = check(h);
    expect(r.valid).toBe(false);
    expect(r.figures.stretchesWithTwoWriters).toBe(1);
    // b, a, b: the writer went b → a → b with nothing to move it.
    expect(r.figures.writesBetweenOtherWriters).toBe(1);
    expect(r.evidence[0]!.ops).toEqual([before, rogue, after]);
    expect(r.evidence[0]!.region).toBe('a');
  });

  it('takes a re-sent checkout answered from its key for the first write, not a second writer', () => {
    const h = new HistoryFixture();
    h.fault('lose-region-a', 0, 1_000, 'region-loss');
    sale(h, 'b', 1_100);
    // The replay of an order region a made before the loss names region a, answered by b.
    h.op('checkout', checkoutValue('k-old', line), {
      at: 1_200,
      took: 5,
      ok: { ...checkoutOk('o-old'), region: 'a' },
    });
    h.op('checkout', checkoutValue('k-old', line), {
      at: -500,
      took: 5,
      ok: { ...checkoutOk('o-old'), region: 'a' },
    });
    sale(h, 'b', 1_300);
    expect(check(h).valid).toBe(true);
  });

  it('counts probe checkouts as writes: a rogue primary that only probes reach is still seen', () => {
    const h = new HistoryFixture();
    for (let t = 0; t < 1_000; t += 100) sale(h, 'b', t);
    h.probe('checkout-probe', 'a', true, 500);
    const r = check(h);
    expect(r.valid).toBe(false);
    expect(r.evidence[0]!.ops).toContain('probe checkout-probe');
  });

  it('does not condemn a single change of writer outside a fault; it counts it', () => {
    const h = new HistoryFixture();
    for (let t = 0; t < 500; t += 50) sale(h, 'a', t);
    for (let t = 600; t < 1_000; t += 50) sale(h, 'b', t);
    const r = check(h);
    expect(r.valid).toBe(true);
    expect(r.figures.unplannedWriterChanges).toBe(1);
  });

  it('does not take overlapping writes as proof: in-flight answers straddling a handover are fine', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('slow', line), {
      at: 0,
      took: 300,
      ok: { ...checkoutOk('s'), region: 'a' },
    });
    sale(h, 'b', 100);
    sale(h, 'a', 50);
    expect(check(h).valid).toBe(true);
  });

  it('is unknown when the answers never say which region took a write, and n/a with no write', () => {
    const h = new HistoryFixture();
    sale(h, undefined, 0);
    const r = check(h);
    expect(r.valid).toBe('unknown');
    expect(r.notApplicable).toBeUndefined();
    expect(r.figures.writesWithoutRegion).toBe(1);
    expect(check(new HistoryFixture()).notApplicable).toBe(true);
  });

  it('does not judge a target that declares itself multi-writer', () => {
    const h = new HistoryFixture();
    sale(h, 'b', 0);
    sale(h, 'a', 100);
    sale(h, 'b', 200);
    expect(check(h).valid).toBe(false);
    const r = splitBrainChecker({ singleWriter: false }).check(h.index(), undefined, defaultCheckOptions);
    expect(r.notApplicable).toBe(true);
  });

  it('is unknown when every write was taken while a fault was in progress', () => {
    const h = new HistoryFixture();
    h.fault('long', 0, 10_000, 'latency');
    sale(h, 'a', 100);
    expect(check(h).valid).toBe('unknown');
  });
});
