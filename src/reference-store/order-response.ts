// The shape of a sold order as the API answers it: for a checkout, for a
// checkout replayed from its stored key, and for the exchange part of a return.
// Built from one type in one place so a replay is byte for byte the first answer.
import type { Channel, TenderKind } from './request-schemas.ts';

export interface NewOrder {
  readonly orderId: string;
  readonly idempotencyKey: string | null;
  readonly channel: Channel;
  readonly store: string;
  readonly terminal: string | null;
  readonly lines: readonly { sku: string; qty: number; unitPriceCents: number; epc: string | null }[];
  readonly tenders: readonly { tenderId: string; kind: TenderKind; amountCents: number }[];
  readonly totalCents: number;
}

export function orderResponse(order: NewOrder, region: string) {
  return {
    orderId: order.orderId,
    status: 'completed',
    channel: order.channel,
    store: order.store,
    terminal: order.terminal,
    region,
    totalCents: order.totalCents,
    lines: order.lines.map((l, i) => ({ lineNo: i + 1, ...l })),
    tenders: order.tenders.map((t, i) => ({ ...t, seq: i + 1 })),
  };
}
