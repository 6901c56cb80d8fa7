import { describe, expect, it } from 'vitest';
import { indexHistory, OP_FAIL, OP_INFO, OP_OK, OP_PENDING } from './history-index.ts';
import { checkoutOk, checkoutValue, HistoryFixture } from './testing/history-fixture.ts';

describe('history index', () => {
  it('pairs invokes with completions and groups ops by function', () => {
    const h = new HistoryFixture();
    const a = h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 1 }]), {
      at: 0,
      ok: checkoutOk('o1'),
      took: 5,
    });
    const b = h.op('checkout', checkoutValue('k2', [{ sku: 'A', qty: 1 }]), {
      at: 1,
      fail: { status: 409 },
      code: 'out-of-stock',
    });
    const c = h.op('checkout', checkoutValue('k3', [{ sku: 'A', qty: 1 }]), { at: 2, info: true });
    const d = h.op('read-stock', { sku: 'A' }, { at: 3, pending: true });
    const idx = h.index();
    expect(idx.opCount).toBe(4);
    expect([...idx.opsOf('checkout')].map((i) => idx.opId(i))).toEqual([a, b, c]);
    expect([...idx.opsOf('read-stock')].map((i) => idx.opId(i))).toEqual([d]);
    expect([...idx.opStatus]).toEqual([OP_OK, OP_FAIL, OP_INFO, OP_PENDING]);
    expect(idx.latencyMs[0]).toBe(5);
    expect(Number.isNaN(idx.completeNs[3]!)).toBe(true);
    expect(idx.errorCodes[idx.errorCode[1]!]).toBe('out-of-stock');
    expect(idx.opsOf('nothing')).toHaveLength(0);
  });

  it('keeps facts for ok and indeterminate ops only; pending ops count as indeterminate', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 1, epc: 'E1' }]), { at: 0, ok: checkoutOk('o1') });
    h.op('checkout', checkoutValue('k2', [{ sku: 'A', qty: 1 }]), { at: 1, fail: {} });
    h.op('checkout', checkoutValue('k3', [{ sku: 'A', qty: 1 }]), { at: 2, info: true });
    h.op('checkout', checkoutValue('k4', [{ sku: 'A', qty: 1 }]), { at: 3, pending: true });
    const idx = h.index();
    expect(idx.checkouts.map((c) => [c.key, c.status, c.orderId])).toEqual([
      ['k1', 'ok', 'o1'],
      ['k3', 'maybe', undefined],
      ['k4', 'maybe', undefined],
    ]);
    expect(idx.checkouts[0]!.epcs).toEqual(['E1']);
  });

  it('counts unreadable values only when the op was acknowledged', () => {
    const h = new HistoryFixture();
    h.op('checkout', { nonsense: true }, { at: 0, ok: checkoutOk('o1') });
    h.op('checkout', { nonsense: true }, { at: 1, fail: {} });
    h.op('checkout', checkoutValue('k', [{ sku: 'A', qty: 1 }]), { at: 2, ok: { no: 'order id' } });
    const idx = h.index();
    expect(idx.unreadable.get('checkout')).toBe(2);
    expect(idx.unreadableOps).toHaveLength(2);
  });

  it('builds fault windows, leaving an unhealed one open to the end', () => {
    const h = new HistoryFixture();
    h.fault('cut', 100, 200).fault('lose-a', 300);
    h.probe('checkout-probe', 'a', true, 500);
    const idx = h.index();
    expect(idx.faults.map((f) => [f.name, f.startNs / 1e6, f.stopNs / 1e6, f.stopped])).toEqual([
      ['cut', 100, 200, true],
      ['lose-a', 300, 500, false],
    ]);
  });

  it('keeps probe series per probe with regions and propagation times', () => {
    const h = new HistoryFixture();
    h.probe('checkout-probe', 'a', true, 0).probe('checkout-probe', 'b', false, 1);
    h.probe('propagation', undefined, true, 2, {
      from: 'a',
      to: 'b',
      writtenNs: 1_000_000,
      visibleNs: 3_000_000,
    });
    const idx = h.index();
    const cp = idx.probes.get('checkout-probe')!;
    expect(cp.count).toBe(2);
    expect([...cp.region].map((r) => cp.regions[r])).toEqual(['a', 'b']);
    const pp = idx.probes.get('propagation')!;
    expect(pp.visibleNs![0]! - pp.writtenNs![0]!).toBe(2_000_000);
  });

  it('records the end status, orphan completions and duplicate invokes', () => {
    const h = new HistoryFixture();
    h.end('aborted');
    const entries = h.list();
    entries.splice(1, 0, { type: 'ok', op: 'x', process: 1, f: 'checkout', completedNs: 0, latencyMs: 0 });
    const idx = indexHistory(entries);
    expect(idx.endStatus).toBe('aborted');
    expect(idx.orphanCompletions).toBe(1);
  });
});
