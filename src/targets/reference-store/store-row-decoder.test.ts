import { describe, expect, it } from 'vitest';
import { orderEventSchema, returnEventSchema } from '../../model/recording-schema.ts';
import { StoreRowDecoder } from './store-row-decoder.ts';

const order = {
  table: 'orders',
  row: { id: 'o1', idempotency_key: 'k1', channel: 'pos', store: 'S001', terminal: 'T01' },
};
const line = {
  table: 'order_lines',
  row: { order_id: 'o1', line_no: 1, sku: 'SKU-1', qty: 2, unit_price_cents: 450 },
};
const tender = {
  table: 'tenders',
  row: { id: 't1', order_id: 'o1', seq: 1, kind: 'cash', amount_cents: 900 },
};

describe("the reference store's committed rows as recording events", () => {
  it('an order with its lines and tenders in one commit is one order event', () => {
    const { events, undecodable } = new StoreRowDecoder().decode({
      commitMs: 1,
      inserts: [order, line, tender],
    });
    expect(undecodable).toBe(0);
    expect(orderEventSchema.parse({ ...events[0], t: 0 })).toMatchObject({
      id: 'pg:o1',
      idempotencyKey: 'k1',
      lines: [{ sku: 'SKU-1', qty: 2, unitPriceCents: 450 }],
      tenders: [{ type: 'cash', amountCents: 900 }],
    });
  });

  it('a later return refers to the order event and refunds to the tender kind it went back to', () => {
    const d = new StoreRowDecoder();
    d.decode({ commitMs: 1, inserts: [order, line, tender] });
    const { events } = d.decode({
      commitMs: 2,
      inserts: [
        { table: 'returns', row: { id: 'r1', order_id: 'o1', idempotency_key: 'rk', store: 'S001' } },
        {
          table: 'return_lines',
          row: { return_id: 'r1', order_line_no: 1, sku: 'SKU-1', qty: 1, unit_price_cents: 450 },
        },
        {
          table: 'refunds',
          row: { id: 1, return_id: 'r1', order_id: 'o1', tender_id: 't1', amount_cents: 450 },
        },
      ],
    });
    expect(returnEventSchema.parse({ ...events[0], t: 1 })).toMatchObject({
      orderRef: 'pg:o1',
      refunds: [{ type: 'cash', amountCents: 450 }],
    });
  });

  it('counts what it cannot read: a return of an order it never saw, an order without tenders', () => {
    const d = new StoreRowDecoder();
    expect(d.decode({ commitMs: 1, inserts: [order, line] }).undecodable).toBe(1);
    expect(
      d.decode({
        commitMs: 2,
        inserts: [{ table: 'returns', row: { id: 'r9', order_id: 'nope', store: 'S001' } }],
      }).undecodable,
    ).toBe(1);
  });
});
