import { describe, expect, it } from 'vitest';
import type { CheckoutInvokeValue } from '../src/model/op-values.ts';
import { DEFAULT_OFFLINE_LIMITS, decideOfflineSale, OfflineQueue } from './pos-offline-queue.ts';

const prices = new Map([
  ['A', 1_000],
  ['B', 250],
]);
const sale = (key: string, extra: Partial<CheckoutInvokeValue> = {}): CheckoutInvokeValue => ({
  channel: 'pos',
  store: 'S001',
  lines: [
    { sku: 'A', qty: 1 },
    { sku: 'B', qty: 2 },
  ],
  tenders: [{ type: 'cash', amountCents: 1_500 }],
  idempotencyKey: key,
  ...extra,
});
const decide = (v: CheckoutInvokeValue, held = 0, limits = DEFAULT_OFFLINE_LIMITS) =>
  decideOfflineSale(v, (sku) => prices.get(sku), limits, held, '2025-11-28T14:00:00.000Z');

describe('decideOfflineSale', () => {
  it('rings a cash sale up at the lane prices, the sale id being the checkout key', () => {
    expect(decide(sale('k1'))).toEqual({
      accepted: true,
      sale: {
        saleId: 'k1',
        soldAt: '2025-11-28T14:00:00.000Z',
        lines: [
          { sku: 'A', qty: 1, unitPriceCents: 1_000 },
          { sku: 'B', qty: 2, unitPriceCents: 250 },
        ],
        tenders: [{ type: 'cash', amountCents: 1_500 }],
      },
    });
  });

  it('an incomplete tender record keeps the sale and its lines, and rings up half of the last tender', () => {
    const v = sale('k9', {
      tenders: [
        { type: 'cash', amountCents: 500 },
        { type: 'card', amountCents: 1_000 },
      ],
    });
    const full = decide(v);
    const short = decideOfflineSale(
      v,
      (sku) => prices.get(sku),
      DEFAULT_OFFLINE_LIMITS,
      0,
      '2025-11-28T14:00:00.000Z',
      true,
    );
    expect(full.accepted && short.accepted).toBe(true);
    if (!full.accepted || !short.accepted) return;
    expect(short.sale.lines).toEqual(full.sale.lines);
    expect(short.sale.tenders).toEqual([
      { type: 'cash', amountCents: 500 },
      { type: 'card', amountCents: 500 },
    ]);
  });

  it('charges the lane total with the first tender when the recorded total differs', () => {
    const d = decide(
      sale('k2', {
        tenders: [
          { type: 'debit', amountCents: 900 },
          { type: 'cash', amountCents: 900 },
        ],
      }),
    );
    expect(d).toMatchObject({ accepted: true, sale: { tenders: [{ type: 'debit', amountCents: 1_500 }] } });
  });

  it.each([
    ['the count limit', sale('k'), 200, DEFAULT_OFFLINE_LIMITS, /already held/],
    [
      'the amount limit',
      sale('k', { lines: [{ sku: 'A', qty: 60 }] }),
      0,
      DEFAULT_OFFLINE_LIMITS,
      /above the offline limit/,
    ],
    [
      'the card floor limit',
      sale('k', { lines: [{ sku: 'A', qty: 30 }], tenders: [{ type: 'card', amountCents: 30_000 }] }),
      0,
      DEFAULT_OFFLINE_LIMITS,
      /card floor limit/,
    ],
    [
      'cards when not allowed',
      sale('k', { tenders: [{ type: 'card', amountCents: 1_500 }] }),
      0,
      { ...DEFAULT_OFFLINE_LIMITS, cardAllowed: false },
      /cards need the uplink/,
    ],
    [
      'gift cards',
      sale('k', { tenders: [{ type: 'gift_card', amountCents: 1_500 }] }),
      0,
      DEFAULT_OFFLINE_LIMITS,
      /gift_card needs the uplink/,
    ],
    [
      'an unknown price',
      sale('k', { lines: [{ sku: 'Z', qty: 1 }] }),
      0,
      DEFAULT_OFFLINE_LIMITS,
      /no local price for Z/,
    ],
  ])('declines past %s', (_what, value, held, limits, reason) => {
    const d = decide(value, held, limits);
    expect(d.accepted).toBe(false);
    expect(d.accepted ? '' : d.reason).toMatch(reason);
  });
});

describe('OfflineQueue', () => {
  const accepted = (key: string) => {
    const d = decide(sale(key));
    if (!d.accepted) throw new Error(d.reason);
    return d.sale;
  };

  it('seals open sales into batches of at most maxBatchSales, oldest first, until acknowledged', () => {
    const q = new OfflineQueue('lane-1', 'S001', 'tag-S001-lane-1', 2);
    for (const k of ['a', 'b', 'c']) q.add(accepted(k));
    const first = q.nextBatch()!;
    expect(first.value).toEqual({
      terminal: 'lane-1',
      store: 'S001',
      batchId: 'tag-S001-lane-1-1',
      sales: [
        {
          saleId: 'a',
          lines: [
            { sku: 'A', qty: 1 },
            { sku: 'B', qty: 2 },
          ],
          tenders: [{ type: 'cash', amountCents: 1_500 }],
        },
        {
          saleId: 'b',
          lines: [
            { sku: 'A', qty: 1 },
            { sku: 'B', qty: 2 },
          ],
          tenders: [{ type: 'cash', amountCents: 1_500 }],
        },
      ],
    });
    expect(q.held).toBe(3);
    first.maybeReceived = true;
    expect(q.nextBatch()).toBe(first);
    q.settle(first, 'acked');
    expect(q.held).toBe(1);
    expect(q.nextBatch()!.sales.map((s) => s.saleId)).toEqual(['c']);
    expect(q.requestBody(q.batch('tag-S001-lane-1-2')!)).toMatchObject({
      batchId: 'tag-S001-lane-1-2',
      terminal: 'lane-1',
      sales: [
        { saleId: 'c', soldAt: '2025-11-28T14:00:00.000Z', tenders: [{ kind: 'cash', amountCents: 1_500 }] },
      ],
    });
  });

  it('reseals a batch the store never received with the sales taken since, but never one it may have', () => {
    const q = new OfflineQueue('lane-1', 'S001', 'p', 500);
    q.add(accepted('a'));
    const refused = q.nextBatch()!;
    q.add(accepted('b'));
    const merged = q.nextBatch()!;
    expect(refused.state).toBe('dissolved');
    expect(merged.batchId).toBe('p-2');
    expect(merged.sales.map((s) => s.saleId)).toEqual(['a', 'b']);
    merged.maybeReceived = true;
    q.add(accepted('c'));
    expect(q.nextBatch()).toBe(merged);
    expect(q.held).toBe(3);
  });
});
