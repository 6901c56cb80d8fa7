import { describe, expect, it } from 'vitest';
import { resultOf } from './vendure-codec.ts';

describe("Vendure codec: a checkout's transport fate from how it ended", () => {
  it('a placed order is answered', () => {
    expect(resultOf({ type: 'ok', value: { orderId: 'X' } })).toMatchObject({
      transport: 'answered',
      serverError: false,
    });
  });

  it('a connection that never opened is not sent; a lost payment is unknown', () => {
    expect(resultOf({ type: 'fail', error: { code: 'ECONNREFUSED', message: '' } }).transport).toBe(
      'not-sent',
    );
    expect(resultOf({ type: 'info', error: { code: 'transport', message: '' } }).transport).toBe('unknown');
  });

  it('an HTTP 5xx is a server error with its status; a shop refusal is an answer', () => {
    expect(resultOf({ type: 'info', error: { code: 'http-502', message: '' } })).toMatchObject({
      status: 502,
      serverError: true,
    });
    expect(
      resultOf({ type: 'fail', error: { code: 'INSUFFICIENT_STOCK_ERROR', message: '' } }),
    ).toMatchObject({
      transport: 'answered',
      serverError: false,
    });
  });
});
