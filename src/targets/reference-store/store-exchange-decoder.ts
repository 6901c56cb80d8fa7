// The reference store's exchanges back into recording events, for `record
// http`: the inverse of store-requests.ts. A checkout is an order (prices from
// the store's answer, or from the last answer that priced the SKU); a return is
// a return of the order event whose checkout answered that order id. Anything
// else (stock reads, admin calls, exchanges, a return of an order this capture
// never saw) is kept raw by the recorder. Remembers order ids and prices across
// calls, so one decoder serves one capture.
import { z } from 'zod';
import type { DecodedExchange, ExchangeDecoder, HttpExchange } from '../target-codec.ts';

const line = z.object({ sku: z.string(), qty: z.number().int().positive(), epc: z.string().optional() });
const tender = z.object({ kind: z.string(), amountCents: z.number().int().positive() });
const checkoutBody = z.object({
  channel: z.enum(['web', 'pos', 'marketplace']),
  store: z.string(),
  terminal: z.string().optional(),
  lines: z.array(line).min(1),
  tenders: z.array(tender).min(1),
});
const pricedAnswer = z.object({
  orderId: z.string(),
  lines: z.array(z.object({ sku: z.string(), unitPriceCents: z.number().int().nonnegative() })),
});
const returnBody = z.object({
  store: z.string(),
  terminal: z.string().optional(),
  lines: z.array(line).min(1),
  exchangeLines: z.array(line).optional(),
});
const returnAnswer = z.object({ refunds: z.array(tender).min(1) });

const RETURN_PATH = /^\/orders\/([^/?]+)\/returns(?:\?.*)?$/;

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class StoreExchangeDecoder implements ExchangeDecoder {
  private readonly priceOf = new Map<string, number>();
  /** The store's order id → the order event's id and channel. */
  private readonly orders = new Map<string, { readonly id: string; readonly channel: string }>();

  decode(exchange: HttpExchange, eventId: string): DecodedExchange {
    const path = exchange.path.split('?')[0];
    if (exchange.method === 'POST' && path === '/checkout') return this.checkout(exchange, eventId);
    const ret = exchange.method === 'POST' ? RETURN_PATH.exec(exchange.path) : null;
    if (ret) return this.return(exchange, decodeURIComponent(ret[1]!));
    return { undecodable: `${exchange.method} ${path} is not a business event of the reference store` };
  }

  private checkout(exchange: HttpExchange, eventId: string): DecodedExchange {
    const body = checkoutBody.safeParse(json(exchange.requestBody));
    if (!body.success)
      return { undecodable: `a checkout body the store would refuse: ${body.error.issues[0]?.message}` };
    const key = exchange.requestHeaders['idempotency-key'];
    if (key === undefined || key === '') return { undecodable: 'a checkout without an Idempotency-Key' };
    const answer = exchange.status === 201 ? pricedAnswer.safeParse(json(exchange.responseBody)) : undefined;
    if (answer?.success) {
      for (const l of answer.data.lines) this.priceOf.set(l.sku, l.unitPriceCents);
      this.orders.set(answer.data.orderId, { id: eventId, channel: body.data.channel });
    }
    const { channel, store, terminal, lines, tenders } = body.data;
    return {
      event: {
        kind: 'order',
        channel,
        store,
        ...(terminal ? { terminal } : {}),
        // A refused checkout still replays (it was demand); its price is the SKU's last known one.
        lines: lines.map((l) => ({
          sku: l.sku,
          qty: l.qty,
          unitPriceCents: this.priceOf.get(l.sku) ?? 0,
          ...(l.epc ? { epc: l.epc } : {}),
        })),
        tenders: tenders.map((t) => ({ type: t.kind, amountCents: t.amountCents })),
        idempotencyKey: key,
      },
    };
  }

  private return(exchange: HttpExchange, orderId: string): DecodedExchange {
    const order = this.orders.get(orderId);
    if (order === undefined)
      return { undecodable: `a return of order ${orderId}, whose checkout this capture did not see` };
    const body = returnBody.safeParse(json(exchange.requestBody));
    if (!body.success)
      return { undecodable: `a return body the store would refuse: ${body.error.issues[0]?.message}` };
    if ((body.data.exchangeLines ?? []).length > 0) return { undecodable: 'an exchange (kept raw for now)' };
    const key = exchange.requestHeaders['idempotency-key'];
    const answer = exchange.status === 201 ? returnAnswer.safeParse(json(exchange.responseBody)) : undefined;
    if (!answer?.success || key === undefined) return { undecodable: 'a return the store did not take' };
    const { store, terminal, lines } = body.data;
    return {
      event: {
        kind: 'return',
        orderRef: order.id,
        channel: order.channel,
        store,
        ...(terminal ? { terminal } : {}),
        lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPriceCents: this.priceOf.get(l.sku) ?? 0 })),
        refunds: answer.data.refunds.map((t) => ({ type: t.kind, amountCents: t.amountCents })),
        idempotencyKey: key,
      },
    };
  }
}
