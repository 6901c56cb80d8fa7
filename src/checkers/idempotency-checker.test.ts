import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { idempotencyChecker } from './idempotency-checker.ts';
import { checkoutOk, checkoutValue, finalState, HistoryFixture } from './testing/history-fixture.ts';

const line = [{ sku: 'A', qty: 1 }];
const order = (orderId: string, key: string | null, offlineSaleId: string | null = null) => ({
  orderId,
  idempotencyKey: key,
  offlineSaleId,
  lines: line,
  tenders: [{ type: 'card', amountCents: 100 }],
});
const ledger = (seq: number, refType: string, refId: string, sku = 'A') => ({
  seq,
  sku,
  store: 'S1',
  delta: -1,
  reason: refType === 'webhook' ? 'marketplace' : 'sale',
  refType,
  refId,
});
const check = (h: HistoryFixture, s?: ReturnType<typeof finalState>) =>
  idempotencyChecker().check(h.index(), s, defaultCheckOptions);

describe('idempotency checker', () => {
  it('passes when retries were answered from the first application', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', line), { at: 0, info: true });
    h.op('checkout', checkoutValue('k1', line), { at: 10, ok: checkoutOk('o1') });
    h.op('checkout', checkoutValue('k1', line), { at: 20, ok: checkoutOk('o1') });
    const s = finalState({
      a: {
        orders: [order('o1', 'k1'), order('o2', null, 's1')],
        webhookEvents: [{ eventId: 'e1', sku: 'A', sequence: 1, applications: 1 }],
        ledger: [
          ledger(1, 'order', 'o1'),
          ledger(2, 'webhook', 'e1'),
          ledger(3, 'offline-sale', 's1'),
          ledger(4, 'offline-sale', 's1', 'B'),
        ],
      },
    });
    const r = check(h, s);
    expect(r.valid).toBe(true);
    expect(r.figures.duplicateApplies).toBe(0);
  });

  it('fails on two orders under one key and on one key acknowledged as two orders', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', line), { at: 0, ok: checkoutOk('o1') });
    h.op('checkout', checkoutValue('k1', line), { at: 10, ok: checkoutOk('o2') });
    const r = check(h, finalState({ a: { orders: [order('o1', 'k1'), order('o2', 'k1')] } }));
    expect(r.valid).toBe(false);
    // Both symptoms describe the same key: counted once.
    expect(r.figures).toMatchObject({ duplicateApplies: 1, duplicatedThings: 1 });
    expect(check(h).valid).toBe(false);
  });

  it('fails on a webhook event applied twice (counter or two ledger entries)', () => {
    const byCounter = finalState({
      a: { webhookEvents: [{ eventId: 'e1', sku: 'A', sequence: 1, applications: 3 }] },
    });
    expect(check(new HistoryFixture(), byCounter).figures.duplicateApplies).toBe(2);
    const byLedger = finalState({ a: { ledger: [ledger(1, 'webhook', 'e1'), ledger(2, 'webhook', 'e1')] } });
    const r = check(new HistoryFixture(), byLedger);
    expect(r.valid).toBe(false);
    expect(r.evidence[0]).toMatchObject({ key: 'e1', what: 'webhook with more than one ledger entry' });
  });

  it('fails on an offline sale recorded twice and on a return key used twice', () => {
    const s = finalState({
      a: {
        orders: [order('o1', null, 's1'), order('o2', null, 's1')],
        returns: [
          { returnId: 'R1', orderId: 'o1', idempotencyKey: 'r' },
          { returnId: 'R2', orderId: 'o1', idempotencyKey: 'r' },
        ],
      },
    });
    const r = check(new HistoryFixture(), s);
    expect(r.figures.duplicateApplies).toBe(2);
  });

  it('is unknown without a final state unless the history already proves a duplicate', () => {
    expect(check(new HistoryFixture()).valid).toBe('unknown');
  });

  const webhook = (eventId: string) => ({ eventId, sku: 'A', sequence: 1, kind: 'order.placed', delta: -1 });

  it('fails on an event acknowledged as applied twice, whatever the target calls its ledger rows', () => {
    const h = new HistoryFixture();
    h.op('webhook', webhook('e1'), { at: 0, ok: { outcome: 'applied' } });
    h.op('webhook', webhook('e1'), { at: 10, ok: { outcome: 'applied' } });
    // The target names its rows 'mp-event', which the checker's ledger rule does not know.
    const s = finalState({ a: { ledger: [ledger(1, 'mp-event', 'e1'), ledger(2, 'mp-event', 'e1')] } });
    const r = check(h, s);
    expect(r.valid).toBe(false);
    expect(r.evidence[0]).toMatchObject({
      what: 'webhook event acknowledged as applied more than once',
      key: 'e1',
    });
    // A redelivery answered as a duplicate is the dedupe working.
    const ok = new HistoryFixture();
    ok.op('webhook', webhook('e1'), { at: 0, ok: { outcome: 'applied' } });
    ok.op('webhook', webhook('e1'), { at: 10, ok: { outcome: 'duplicate' } });
    expect(check(ok, finalState({ a: { ledger: [ledger(1, 'mp-event', 'e1')] } })).valid).toBe(true);
  });

  it('fails on an offline sale applied by two uploads and on one return key acknowledged as two returns', () => {
    const h = new HistoryFixture();
    const upload = { terminal: 'T1', batchId: 'B1', sales: [{ saleId: 's1', lines: line, tenders: [] }] };
    const applied = { batchId: 'B1', sales: [{ saleId: 's1', status: 'applied' }] };
    h.op('offline-sync', upload, { at: 0, ok: applied });
    h.op('offline-sync', upload, { at: 10, ok: applied });
    const value = { orderId: 'o1', lines: line, idempotencyKey: 'r1' };
    h.op('return', value, { at: 20, ok: { orderId: 'o1', returnId: 'R1', refunds: [] } });
    h.op('return', value, { at: 30, ok: { orderId: 'o1', returnId: 'R2', refunds: [] } });
    const s = finalState({
      a: {
        orders: [order('o9', null, 's1')],
        returns: [{ returnId: 'R1', orderId: 'o1', idempotencyKey: 'r1' }],
      },
    });
    const r = check(h, s);
    expect(r.valid).toBe(false);
    expect(r.figures.duplicateApplies).toBe(2);
    expect(r.evidence.map((e) => e.what)).toEqual([
      'offline sale acknowledged as applied more than once',
      'one return key acknowledged as two returns',
    ]);
  });

  it('is unknown when the records of ops in the history were not read, not applicable with no such ops', () => {
    const h = new HistoryFixture();
    h.op('webhook', webhook('e1'), { at: 0, ok: { outcome: 'applied' } });
    const r = check(h, finalState({ a: { read: ['orders', 'stock'] } }));
    expect(r.valid).toBe('unknown');
    expect(r.explanation).toMatch(/webhooks/);
    expect(check(new HistoryFixture(), finalState({ a: {} }))).toMatchObject({
      valid: 'unknown',
      notApplicable: true,
    });
  });
});
