import { describe, expect, it } from 'vitest';
import { orderEventSchema, returnEventSchema } from '../../model/recording-schema.ts';
import type { HttpExchange } from '../target-codec.ts';
import { StoreExchangeDecoder } from './store-exchange-decoder.ts';

const checkout = (key: string, qty: number, status: number, orderId?: string): HttpExchange => ({
  method: 'POST',
  path: '/checkout',
  requestHeaders: { 'idempotency-key': key, 'content-type': 'application/json' },
  requestBody: JSON.stringify({
    channel: 'pos',
    store: 'S001',
    terminal: 'T01',
    lines: [{ sku: 'SKU-1', qty }],
    tenders: [{ kind: 'card', amountCents: qty * 500 }],
  }),
  status,
  responseBody:
    status === 201
      ? JSON.stringify({ orderId, lines: [{ sku: 'SKU-1', qty, unitPriceCents: 500 }] })
      : '{"error":"out-of-stock"}',
});

describe("the reference store's exchanges as recording events", () => {
  it('a checkout is an order priced from the answer; a refused one keeps the last known price', () => {
    const d = new StoreExchangeDecoder();
    const sold = d.decode(checkout('k1', 2, 201, 'ord-1'), 'http:1');
    const refused = d.decode(checkout('k2', 9, 409), 'http:2');
    for (const [x, id] of [
      [sold, 'http:1'],
      [refused, 'http:2'],
    ] as const) {
      expect('event' in x).toBe(true);
      if ('event' in x)
        expect(orderEventSchema.parse({ ...x.event, t: 0, id }).lines[0]?.unitPriceCents).toBe(500);
    }
  });

  it('a return points at the order event whose checkout answered that order id', () => {
    const d = new StoreExchangeDecoder();
    d.decode(checkout('k1', 2, 201, 'ord-1'), 'http:1');
    const ret = d.decode(
      {
        method: 'POST',
        path: '/orders/ord-1/returns',
        requestHeaders: { 'idempotency-key': 'r1' },
        requestBody: JSON.stringify({ store: 'S001', lines: [{ sku: 'SKU-1', qty: 1 }] }),
        status: 201,
        responseBody: JSON.stringify({ refunds: [{ kind: 'card', amountCents: 500, tenderId: 't1' }] }),
      },
      'http:2',
    );
    expect('event' in ret && returnEventSchema.parse({ ...ret.event, t: 1, id: 'http:2' }).orderRef).toBe(
      'http:1',
    );
  });

  it('says why anything else is kept raw', () => {
    const d = new StoreExchangeDecoder();
    const get: HttpExchange = {
      method: 'GET',
      path: '/stock/SKU-1',
      requestHeaders: {},
      requestBody: '',
      status: 200,
      responseBody: '{}',
    };
    expect(d.decode(get, 'x')).toEqual({
      undecodable: 'GET /stock/SKU-1 is not a business event of the reference store',
    });
    expect(d.decode({ ...get, method: 'POST', path: '/orders/nope/returns' }, 'y')).toEqual({
      undecodable: 'a return of order nope, whose checkout this capture did not see',
    });
    expect(d.decode({ ...checkout('k', 1, 201, 'o'), requestHeaders: {} }, 'z')).toEqual({
      undecodable: 'a checkout without an Idempotency-Key',
    });
  });
});
