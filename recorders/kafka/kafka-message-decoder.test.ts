import { describe, expect, it } from 'vitest';
import { scanMessage } from '../../simulators/rfid-reader-fleet.ts';
import { recordingEventSchema } from '../../src/model/recording-schema.ts';
import type { ReadMessage } from '../../src/streams/kafka-partition-reader.ts';
import { decodeMessage } from './kafka-message-decoder.ts';

const message = (value: unknown, offset = 0): ReadMessage => ({
  partition: 0,
  offset: String(offset),
  key: 'SKU-000001',
  timestamp: '1764900000000',
  value: typeof value === 'string' ? value : JSON.stringify(value),
});

/** Decoded, then given the envelope the recorder adds: a valid recording event or a failure. */
function asEvent(topic: string, value: unknown) {
  const decoded = decodeMessage(topic, message(value));
  if ('undecodable' in decoded) throw new Error(decoded.undecodable);
  return recordingEventSchema.parse({ ...decoded.event, t: 0, id: 'kafka:t/0/0' });
}

describe('decoding captured Kafka messages into business events', () => {
  it('turns what the scanner fleets publish back into the events they were made from', () => {
    const base = { sku: 'SKU-000001', store: 'S001' };
    expect(
      asEvent('scans', scanMessage({ ...base, kind: 'cycle-count', sequence: 3, qty: 12 }, 'scanner:S001-1')),
    ).toMatchObject({
      kind: 'cycle-count',
      countedQty: 12,
      sequence: 3,
    });
    expect(
      asEvent('scans', scanMessage({ ...base, kind: 'receiving', sequence: 4, qty: 24 }, 'scanner:S001-1')),
    ).toMatchObject({
      kind: 'receiving',
      qty: 24,
    });
    expect(
      asEvent('scans', scanMessage({ ...base, kind: 'adjustment', sequence: 5, qty: -2 }, 'scanner:S001-1')),
    ).toMatchObject({
      kind: 'barcode-adjustment',
      delta: -2,
      device: 'scanner:S001-1',
    });
    expect(
      asEvent('scans', {
        kind: 'rfid-read',
        readId: 'r1',
        store: 'S001',
        reader: 'rfid:S001-1',
        sku: 'SKU-000001',
        epc: '3034257BF7194E4000001A85',
      }),
    ).toMatchObject({ kind: 'rfid-read', reader: 'rfid:S001-1' });
  });

  it('reads marketplace webhooks as the webhook events they carry', () => {
    const webhook = {
      eventId: 'evt-1',
      marketplace: 'amazon',
      sku: 'SKU-000001',
      sequence: 7,
      eventType: 'order',
      payload: { marketplaceOrderId: 'A-1', qty: 1, unitPriceCents: 999 },
    };
    expect(asEvent('marketplace-webhooks', webhook)).toMatchObject({
      kind: 'marketplace-webhook',
      deliveryAttempt: 1,
    });
  });

  it('says why a message is not an event, so the recorder keeps it raw instead of dropping it', () => {
    expect(decodeMessage('scans', message('not json'))).toEqual({ undecodable: 'not JSON' });
    expect(decodeMessage('scans', message({ kind: 'mystery' }))).toMatchObject({
      undecodable: expect.stringMatching(/^not a scan/),
    });
    expect(
      decodeMessage('scans', message({ kind: 'adjustment', sku: 'A', store: 'S', sequence: 1, qty: 0 })),
    ).toEqual({
      undecodable: 'an adjustment of 0',
    });
    expect(decodeMessage('orders', message({}))).toEqual({ undecodable: 'no decoder for topic orders' });
    expect(decodeMessage('scans', { ...message({}), value: null })).toEqual({
      undecodable: 'a tombstone (null value)',
    });
  });
});
