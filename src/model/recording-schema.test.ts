import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordingEventArbitrary, recordingHeaderArbitrary } from '../recording/recording-arbitraries.ts';
import { recordingEventSchema, recordingHeaderSchema } from './recording-schema.ts';

const order = {
  t: 1200,
  kind: 'order',
  id: 'ord-00000001',
  channel: 'pos',
  store: 'S001',
  terminal: 'S001-L02',
  lines: [{ sku: 'SKU-000123', qty: 1, unitPriceCents: 3999, epc: '30340960F4D0000100000001' }],
  tenders: [{ type: 'card', amountCents: 3999 }],
  idempotencyKey: 'k-1',
};

function issuesOf(value: unknown) {
  const result = recordingEventSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('recording schema', () => {
  it('accepts what the arbitraries produce', () => {
    fc.assert(
      fc.property(
        recordingHeaderArbitrary,
        fc.array(recordingEventArbitrary, { maxLength: 5 }),
        (header, events) => {
          expect(recordingHeaderSchema.safeParse(header).success).toBe(true);
          for (const event of events) expect(issuesOf(event)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('names the field that is wrong', () => {
    expect(issuesOf({ ...order, lines: [{ sku: 'SKU-000123', qty: 0, unitPriceCents: 1 }] })).toEqual([
      expect.stringMatching(/^lines\.0\.qty: Too small/),
    ]);
    expect(issuesOf({ ...order, tenders: [{ type: 'bitcoin', amountCents: 1 }] })[0]).toMatch(
      /^tenders\.0\.type/,
    );
    expect(issuesOf({ ...order, extra: 1 })[0]).toMatch(/Unrecognized key: "extra"/);
    expect(issuesOf({ ...order, kind: 'teleport' })[0]).toMatch(/^kind: Invalid discriminator/);
  });

  it('keeps an EPC to a single unit and money to integer cents', () => {
    expect(issuesOf({ ...order, lines: [{ ...order.lines[0], qty: 2 }] })[0]).toMatch(/epc must have qty 1/);
    expect(issuesOf({ ...order, tenders: [{ type: 'cash', amountCents: 39.99 }] })[0]).toMatch(
      /^tenders\.0\.amountCents/,
    );
  });

  it('checks a webhook payload against its eventType', () => {
    const webhook = {
      t: 5,
      kind: 'marketplace-webhook',
      id: 'wh-1',
      eventId: 'amazon-1',
      marketplace: 'amazon',
      sku: 'SKU-000001',
      sequence: 1,
      deliveryAttempt: 1,
      eventType: 'inventory',
      payload: { availableQty: 3 },
    };
    expect(issuesOf(webhook)).toEqual([]);
    expect(issuesOf({ ...webhook, eventType: 'order' })).not.toEqual([]);
  });

  it('refuses a header whose endTime is before its startTime, or another schemaVersion', () => {
    const header = {
      type: 'header',
      schemaVersion: 1,
      source: 'http-capture',
      startTime: '2025-11-28T14:00:00.000Z',
      endTime: '2025-11-28T13:00:00.000Z',
      stores: 1,
      skus: 1,
    };
    expect(recordingHeaderSchema.safeParse(header).success).toBe(false);
    const fixed = { ...header, endTime: '2025-11-28T15:00:00+01:00' };
    expect(recordingHeaderSchema.safeParse(fixed).success).toBe(true);
    expect(recordingHeaderSchema.safeParse({ ...fixed, schemaVersion: 2 }).success).toBe(false);
  });
});
