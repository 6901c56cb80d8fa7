// Kafka messages back into business events: the inverse of what the RFID and
// scanner fleets publish to `scans` (and of what a marketplace connector puts on
// `marketplace-webhooks`). Pure: a message in, an event without its timing out,
// or the reason it is not one. The recorder sets `t` and `id`.
import { z } from 'zod';
import {
  type BarcodeAdjustmentEvent,
  type CycleCountEvent,
  type MarketplaceWebhookEvent,
  marketplaceWebhookEventSchema,
  type ReceivingEvent,
  type RfidReadEvent,
} from '../../src/model/recording-schema.ts';
import type { ReadMessage } from '../../src/streams/kafka-partition-reader.ts';

export type DecodedEvent =
  | Omit<RfidReadEvent, 't' | 'id'>
  | Omit<CycleCountEvent, 't' | 'id'>
  | Omit<ReceivingEvent, 't' | 'id'>
  | Omit<BarcodeAdjustmentEvent, 't' | 'id'>
  | Omit<MarketplaceWebhookEvent, 't' | 'id'>;

export type Decoded = { readonly event: DecodedEvent } | { readonly undecodable: string };

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/);
const scanMessage = z.object({
  scanId: id.optional(),
  kind: z.enum(['cycle-count', 'receiving', 'adjustment']),
  sku: id,
  store: id,
  sequence: z.number().int().nonnegative(),
  qty: z.number().int(),
});
const rfidMessage = z.object({
  kind: z.literal('rfid-read'),
  store: id,
  reader: id,
  sku: id,
  epc: z.string(),
  rssi: z.number().optional(),
});

/** The device a scan came from: the fleets name scans `<device>:<kind>:<sequence>`. */
function deviceOf(scanId: string | undefined): string | undefined {
  const device = scanId?.split(':').slice(0, -2).join(':');
  return device && id.safeParse(device).success ? device : undefined;
}

function decodeScan(body: unknown): Decoded {
  const rfid = rfidMessage.safeParse(body);
  if (rfid.success) {
    const { store, reader, sku, epc, rssi } = rfid.data;
    return { event: { kind: 'rfid-read', store, reader, sku, epc, ...(rssi === undefined ? {} : { rssi }) } };
  }
  const scan = scanMessage.safeParse(body);
  if (!scan.success) return { undecodable: `not a scan: ${scan.error.issues[0]?.message ?? 'bad shape'}` };
  const { kind, sku, store, sequence, qty, scanId } = scan.data;
  if (kind === 'cycle-count') {
    if (qty < 0) return { undecodable: 'a cycle count below zero' };
    return { event: { kind: 'cycle-count', store, sku, countedQty: qty, sequence } };
  }
  if (kind === 'receiving') {
    if (qty <= 0) return { undecodable: 'a receiving of no units' };
    return { event: { kind: 'receiving', store, sku, qty, sequence } };
  }
  if (qty === 0) return { undecodable: 'an adjustment of 0' };
  const device = deviceOf(scanId);
  // The wire message has no reason; a correction is what an unexplained adjustment is.
  return {
    event: {
      kind: 'barcode-adjustment',
      store,
      sku,
      delta: qty,
      reason: 'correction',
      sequence,
      ...(device ? { device } : {}),
    },
  };
}

function decodeWebhook(body: unknown): Decoded {
  const parsed = marketplaceWebhookEventSchema.safeParse({
    deliveryAttempt: 1,
    ...(body as object),
    kind: 'marketplace-webhook',
    t: 0,
    id: 'x',
  });
  if (!parsed.success)
    return { undecodable: `not a marketplace webhook: ${parsed.error.issues[0]?.message}` };
  const { t: _t, id: _id, ...event } = parsed.data;
  return { event };
}

/** The decoders by topic; a topic not named here is captured raw only. */
export const TOPIC_DECODERS: Readonly<Record<string, (body: unknown) => Decoded>> = {
  scans: decodeScan,
  'marketplace-webhooks': decodeWebhook,
};

export function decodeMessage(topic: string, message: ReadMessage): Decoded {
  const decode = TOPIC_DECODERS[topic];
  if (decode === undefined) return { undecodable: `no decoder for topic ${topic}` };
  if (message.value === null) return { undecodable: 'a tombstone (null value)' };
  let body: unknown;
  try {
    body = JSON.parse(message.value);
  } catch {
    return { undecodable: 'not JSON' };
  }
  return typeof body === 'object' && body !== null ? decode(body) : { undecodable: 'not a JSON object' };
}
