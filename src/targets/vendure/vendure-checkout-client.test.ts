import { describe, expect, it } from 'vitest';
import { classifyStep, paymentCompletion } from './vendure-checkout-client.ts';

const cut = { kind: 'unknown', error: { code: 'UND_ERR_SOCKET', message: 'other side closed' } } as const;
const refused = { kind: 'not-sent', error: { code: 'ECONNREFUSED', message: 'refused' } } as const;
const answer = (result: unknown, errors: { message: string; code?: string }[] = []) =>
  ({ kind: 'answer', status: 200, data: { result }, errors }) as never;

describe('Vendure checkout outcomes', () => {
  it('a request that never left is fail at any step', () => {
    expect(classifyStep('addPaymentToOrder', refused)).toMatchObject({ type: 'fail' });
    expect(classifyStep('addItemToOrder', refused)).toMatchObject({ type: 'fail' });
  });

  it('a cut before the payment is fail (nothing is placed before it); a cut payment is info', () => {
    expect(classifyStep('transitionOrderToState', cut)).toMatchObject({
      type: 'fail',
      error: { code: 'not-placed' },
    });
    expect(classifyStep('addPaymentToOrder', cut)).toMatchObject({ type: 'info' });
  });

  it('a GraphQL error is fail before the payment and info on it (it may follow a commit)', () => {
    const thrown = answer(null, [{ message: 'Connection terminated', code: 'INTERNAL_SERVER_ERROR' }]);
    expect(classifyStep('setCustomerForOrder', thrown)).toMatchObject({ type: 'fail' });
    expect(classifyStep('addPaymentToOrder', thrown)).toMatchObject({
      type: 'info',
      error: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it("an ErrorResult is fail with Vendure's errorCode", () => {
    const noStock = answer({
      __typename: 'InsufficientStockError',
      errorCode: 'INSUFFICIENT_STOCK_ERROR',
      message: 'No items were added',
      quantityAvailable: 0,
    });
    expect(classifyStep('addItemToOrder', noStock)).toEqual({
      type: 'fail',
      value: { step: 'addItemToOrder', quantityAvailable: 0 },
      error: { code: 'INSUFFICIENT_STOCK_ERROR', message: 'addItemToOrder: No items were added' },
    });
    const declined = answer({
      __typename: 'PaymentDeclinedError',
      errorCode: 'PAYMENT_DECLINED_ERROR',
      message: 'x',
    });
    expect(classifyStep('addPaymentToOrder', declined)).toMatchObject({
      type: 'fail',
      error: { code: 'PAYMENT_DECLINED_ERROR' },
    });
  });

  it('an Order continues the sequence; after the payment it is ok only when placed', () => {
    expect(classifyStep('addItemToOrder', answer({ __typename: 'Order', state: 'AddingItems' }))).toEqual({
      result: { __typename: 'Order', state: 'AddingItems' },
    });
    const order = {
      __typename: 'Order',
      id: '7',
      code: 'ABC',
      state: 'PaymentSettled',
      totalWithTax: 500,
      lines: [{ quantity: 2, productVariant: { sku: 'S1' } }],
      payments: [{ id: '3', amount: 500, state: 'Settled', method: 'card' }],
    };
    expect(paymentCompletion(order)).toEqual({
      type: 'ok',
      value: {
        orderId: 'ABC',
        orderCode: 'ABC',
        vendureOrderId: '7',
        state: 'PaymentSettled',
        lines: [{ sku: 'S1', qty: 2 }],
        totalCents: 500,
        tenders: [{ type: 'card', amountCents: 500, tenderId: '3' }],
      },
    });
    expect(paymentCompletion({ ...order, state: 'ArrangingPayment' })).toMatchObject({ type: 'info' });
  });
});
