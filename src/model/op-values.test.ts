import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readCheckoutInvoke,
  readCheckoutOk,
  readOfflineSyncInvoke,
  readPropagation,
  readReturnInvoke,
  readReturnOk,
  readWebhookInvoke,
} from '../checkers/op-facts.ts';
import {
  checkoutInvokeSchema,
  checkoutOkSchema,
  exchangeInvokeSchema,
  OP,
  offlineSyncInvokeSchema,
  offlineSyncOkSchema,
  opValueSchemas,
  propagationProbeValueSchema,
  returnInvokeSchema,
  returnOkSchema,
  scanInvokeSchema,
  webhookInvokeSchema,
} from './op-values.ts';

const id = fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/);
const line = fc.record(
  { sku: id, qty: fc.integer({ min: 1, max: 9 }), epc: fc.option(id, { nil: undefined }) },
  { requiredKeys: ['sku', 'qty'] },
);
const tender = fc.record({
  type: fc.constantFrom('card', 'cash', 'gift_card'),
  amountCents: fc.nat(100_000),
});

describe('op values', () => {
  it('has invoke and ok schemas for every op function', () => {
    expect(Object.keys(opValueSchemas).sort()).toEqual(Object.values(OP).sort());
  });

  it('accepts the values simulators record and names what is wrong otherwise', () => {
    const checkout = {
      channel: 'web',
      store: 'S001',
      lines: [{ sku: 'A', qty: 1, epc: 'E1' }],
      tenders: [{ type: 'card', amountCents: 500 }],
      idempotencyKey: 'k1',
    };
    expect(checkoutInvokeSchema.parse(checkout)).toEqual(checkout);
    expect(
      checkoutOkSchema.safeParse({ orderId: 'o1', lines: [], totalCents: 500, tenders: [] }).success,
    ).toBe(true);
    const bad = checkoutInvokeSchema.safeParse({ ...checkout, lines: [], idempotencyKey: '' });
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['idempotencyKey', 'lines']);
    expect(
      exchangeInvokeSchema.safeParse({ orderId: 'o', lines: [{ sku: 'A', qty: 1 }], idempotencyKey: 'r' })
        .success,
    ).toBe(false);
    expect(
      returnOkSchema.parse({ orderId: 'o', refunds: [{ type: 'card', amountCents: 5, tenderId: 't1' }] })
        .refunds,
    ).toHaveLength(1);
    expect(
      offlineSyncOkSchema.safeParse({ batchId: 'b', sales: [{ saleId: 's', status: 'lost' }] }).success,
    ).toBe(false);
    expect(
      scanInvokeSchema.safeParse({ store: 'S', sku: 'A', sequence: 1, kind: 'cycle-count', qty: 3 }).success,
    ).toBe(true);
  });

  it('wants exactly one of delta or absolute on a webhook', () => {
    const base = { eventId: 'e', sku: 'A', sequence: 1, kind: 'order.placed' };
    expect(webhookInvokeSchema.safeParse({ ...base, delta: -1 }).success).toBe(true);
    expect(webhookInvokeSchema.safeParse({ ...base, absolute: 4 }).success).toBe(true);
    expect(webhookInvokeSchema.safeParse(base).success).toBe(false);
    expect(webhookInvokeSchema.safeParse({ ...base, delta: 1, absolute: 4 }).success).toBe(false);
  });

  it('the checkers’ narrow readers read every valid value the schemas accept', () => {
    const checkout = fc.record({
      channel: id,
      store: id,
      lines: fc.array(line, { minLength: 1, maxLength: 4 }),
      tenders: fc.array(tender, { minLength: 1, maxLength: 3 }),
      idempotencyKey: id,
    });
    fc.assert(
      fc.property(checkout, (v) => {
        expect(checkoutInvokeSchema.safeParse(v).success).toBe(true);
        const r = readCheckoutInvoke(v)!;
        expect(r.key).toBe(v.idempotencyKey);
        const epcs = v.lines.flatMap((l) => (l.epc === undefined ? [] : [l.epc]));
        expect(r.epcs ?? []).toEqual(epcs);
      }),
    );
    const ret = fc.record({
      orderId: id,
      lines: fc.array(line, { minLength: 1, maxLength: 3 }),
      idempotencyKey: id,
    });
    fc.assert(
      fc.property(ret, (v) => {
        expect(returnInvokeSchema.safeParse(v).success).toBe(true);
        expect(readReturnInvoke(v)).toMatchObject({ key: v.idempotencyKey, orderId: v.orderId });
      }),
    );
    const sync = fc.record({
      terminal: id,
      batchId: id,
      sales: fc.uniqueArray(
        fc.record({
          saleId: id,
          lines: fc.array(line, { minLength: 1, maxLength: 2 }),
          tenders: fc.array(tender, { minLength: 1, maxLength: 2 }),
        }),
        {
          minLength: 1,
          maxLength: 3,
          selector: (s) => s.saleId,
        },
      ),
    });
    fc.assert(
      fc.property(sync, (v) => {
        expect(offlineSyncInvokeSchema.safeParse(v).success).toBe(true);
        const r = readOfflineSyncInvoke(v)!;
        expect(r.sales.map((s) => s.saleId)).toEqual(v.sales.map((s) => s.saleId));
        for (const [i, s] of r.sales.entries()) {
          const units = v.sales[i]!.lines.reduce((n, l) => n + l.qty, 0);
          expect(s.units.reduce((n, [, q]) => n + q, 0)).toBe(units);
        }
      }),
    );
  });

  it('readers return undefined for values missing what checkers need', () => {
    expect(readCheckoutInvoke({ lines: [] })).toBeUndefined();
    expect(readCheckoutOk(null)).toEqual({ orderId: undefined, region: undefined });
    expect(readReturnOk({ refunds: [{ type: 'card' }] })!.refunds).toBeUndefined();
    expect(readWebhookInvoke({ eventId: 'e', sku: 'A' })).toBeUndefined();
    expect(readWebhookInvoke({ eventId: 'e', sku: 'A', sequence: 2, absolute: 3 })!.absolute).toBe(true);
    expect(propagationProbeValueSchema.safeParse({ from: 'a', to: 'b', writtenNs: 5 }).success).toBe(true);
    expect(readPropagation({ from: 'a', to: 'b', writtenNs: 5 })).toEqual({
      writtenNs: 5,
      visibleNs: undefined,
    });
  });
});
