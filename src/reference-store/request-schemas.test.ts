import { describe, expect, it } from 'vitest';
import {
  checkoutRequest,
  MAX_LINES,
  offlineSyncRequest,
  parseBody,
  returnRequest,
  scanEvent,
  tenderMismatches,
  webhookEvent,
} from './request-schemas.ts';
import { StoreApiError } from './store-errors.ts';

const checkout = {
  channel: 'pos',
  store: 'S001',
  terminal: 'T01',
  lines: [{ sku: 'SKU-1', qty: 2 }],
  tenders: [{ kind: 'card', amountCents: 2_000 }],
};

function rejection(schema: Parameters<typeof parseBody>[0], body: unknown): StoreApiError {
  try {
    parseBody(schema, body, 'test body');
  } catch (error) {
    if (error instanceof StoreApiError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('checkout request', () => {
  it('accepts a well-formed checkout', () => {
    expect(parseBody(checkoutRequest, checkout, 'checkout')).toEqual(checkout);
  });

  it('names every bad field at once, with a 400', () => {
    const error = rejection(checkoutRequest, {
      ...checkout,
      channel: 'fax',
      lines: [
        { sku: 'SKU-1', qty: 0 },
        { sku: 'SKU-2', qty: -3 },
      ],
      tenders: [{ kind: 'iou', amountCents: 1 }],
    });
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('invalid-request');
    const fields = (error.details as { issues: { field: string }[] }).issues.map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining(['channel', 'lines[0].qty', 'lines[1].qty', 'tenders[0].kind']),
    );
    expect(error.message).toContain('lines[0].qty');
  });

  it('rejects fractional quantities, unknown fields and empty lines or tenders', () => {
    expect(rejection(checkoutRequest, { ...checkout, lines: [{ sku: 'A', qty: 1.5 }] }).message).toContain(
      'lines[0].qty',
    );
    expect(rejection(checkoutRequest, { ...checkout, quantity: 3 }).message).toContain('quantity');
    expect(rejection(checkoutRequest, { ...checkout, lines: [] }).message).toContain('lines');
    expect(rejection(checkoutRequest, { ...checkout, tenders: [] }).message).toContain('tenders');
  });

  it('caps the number of lines', () => {
    const lines = Array.from({ length: MAX_LINES + 1 }, (_, i) => ({ sku: `S${i}`, qty: 1 }));
    expect(rejection(checkoutRequest, { ...checkout, lines }).message).toContain('lines');
  });

  it('sells a serialized unit (EPC) one at a time and once per request', () => {
    expect(
      rejection(checkoutRequest, { ...checkout, lines: [{ sku: 'A', qty: 2, epc: 'E1' }] }).message,
    ).toContain('a line with an epc must have qty 1');
    const twice = {
      ...checkout,
      lines: [
        { sku: 'A', qty: 1, epc: 'E1' },
        { sku: 'A', qty: 1, epc: 'E1' },
      ],
    };
    expect(rejection(checkoutRequest, twice).message).toContain('epc E1 appears twice');
  });

  it('rejects a body that is not an object', () => {
    expect(rejection(checkoutRequest, [1, 2]).message).toContain('(body)');
    expect(rejection(checkoutRequest, null).statusCode).toBe(400);
  });
});

describe('return request', () => {
  it('accepts a return with an exchange', () => {
    const body = {
      store: 'S1',
      lines: [{ sku: 'A', qty: 1 }],
      exchangeLines: [{ sku: 'B', qty: 1 }],
      tenders: [],
    };
    expect(parseBody(returnRequest, body, 'return')).toEqual(body);
  });
});

describe('offline batch', () => {
  const sale = (saleId: string) => ({
    saleId,
    soldAt: '2025-11-28T09:15:00Z',
    lines: [{ sku: 'A', qty: 2, unitPriceCents: 500 }],
    tenders: [{ kind: 'cash', amountCents: 1_000 }],
  });

  it('accepts sales whose tenders pay their lines', () => {
    const body = { batchId: 'B1', store: 'S1', terminal: 'T1', sales: [sale('s1'), sale('s2')] };
    expect(parseBody(offlineSyncRequest, body, 'offline batch')).toEqual(body);
  });

  it('takes a sale whose tender record comes up short (the goods left the store), and names it', () => {
    const short = { ...sale('s1'), tenders: [{ kind: 'cash', amountCents: 900 }] };
    const body = { batchId: 'B', store: 'S', terminal: 'T', sales: [sale('s0'), short] };
    expect(parseBody(offlineSyncRequest, body, 'offline batch')).toEqual(body);
    expect(tenderMismatches(parseBody(offlineSyncRequest, body, 'offline batch').sales)).toEqual([
      'sales[1].tenders sum to 900 cents but the lines total 1000',
    ]);
  });

  it('rejects a sale listed twice', () => {
    expect(
      rejection(offlineSyncRequest, {
        batchId: 'B',
        store: 'S',
        terminal: 'T',
        sales: [sale('s1'), sale('s1')],
      }).message,
    ).toContain('sale s1 appears twice');
  });

  it('requires an ISO timestamp with offset for soldAt', () => {
    const body = { batchId: 'B', store: 'S', terminal: 'T', sales: [{ ...sale('s1'), soldAt: 'yesterday' }] };
    expect(rejection(offlineSyncRequest, body).message).toContain('sales[0].soldAt');
  });
});

describe('webhook and scan events', () => {
  it('takes positive quantities for orders and a non-zero one for adjustments', () => {
    const event = { eventId: 'e1', type: 'order.placed', sku: 'A', store: 'S1', sequence: 1, qty: 2 };
    expect(parseBody(webhookEvent, event, 'webhook')).toEqual(event);
    expect(rejection(webhookEvent, { ...event, qty: -2 }).message).toContain('qty: must be > 0');
    expect(rejection(webhookEvent, { ...event, type: 'inventory.adjusted', qty: 0 }).message).toContain(
      'must not be 0',
    );
    expect(rejection(webhookEvent, { ...event, sequence: 0 }).message).toContain('sequence');
  });

  it('checks scan quantities by kind', () => {
    const scan = { scanId: 's1', kind: 'cycle-count', sku: 'A', store: 'S1', sequence: 3, qty: 0 };
    expect(scanEvent.safeParse(scan).success).toBe(true);
    expect(scanEvent.safeParse({ ...scan, qty: -1 }).success).toBe(false);
    expect(scanEvent.safeParse({ ...scan, kind: 'receiving', qty: 0 }).success).toBe(false);
    expect(scanEvent.safeParse({ ...scan, kind: 'adjustment', qty: -4 }).success).toBe(true);
    expect(scanEvent.safeParse({ ...scan, countedAt: '2025-09-02T11:00:00.000Z' }).success).toBe(true);
    expect(scanEvent.safeParse({ ...scan, countedAt: 'yesterday' }).success).toBe(false);
    expect(
      scanEvent.safeParse({ ...scan, kind: 'receiving', qty: 2, countedAt: '2025-09-02T11:00:00.000Z' })
        .success,
    ).toBe(false);
  });
});
