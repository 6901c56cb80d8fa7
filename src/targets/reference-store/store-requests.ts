// Op values (op-values shapes) → the reference store's requests: the encoding
// half of its codec (reference-store-codec.ts), shared with the k6 plan.
import type {
  CheckoutInvokeValue,
  ExchangeInvokeValue,
  LineValue,
  ReturnInvokeValue,
  TenderValue,
  WebhookInvokeValue,
} from '../../model/op-values.ts';

const saleLines = (lines: readonly LineValue[]) =>
  lines.map((l) =>
    l.epc === undefined ? { sku: l.sku, qty: l.qty } : { sku: l.sku, qty: l.qty, epc: l.epc },
  );
const tenders = (ts: readonly TenderValue[]) => ts.map((t) => ({ kind: t.type, amountCents: t.amountCents }));

export function checkoutRequest(value: CheckoutInvokeValue, terminal: string | undefined): unknown {
  const body: Record<string, unknown> = {
    channel: value.channel,
    store: value.store,
    lines: saleLines(value.lines),
    tenders: tenders(value.tenders),
  };
  const t = value.terminal ?? terminal;
  if (t !== undefined) body.terminal = t;
  return body;
}

export function returnPath(value: ReturnInvokeValue): string {
  return `/orders/${encodeURIComponent(value.orderId)}/returns`;
}

export function returnRequest(
  value: ReturnInvokeValue | ExchangeInvokeValue,
  terminal: string | undefined,
): unknown {
  const body: Record<string, unknown> = { store: value.store, lines: saleLines(value.lines) };
  if (terminal !== undefined) body.terminal = terminal;
  if (value.newLines !== undefined && value.newLines.length > 0)
    body.exchangeLines = saleLines(value.newLines);
  if (value.tenders !== undefined && value.tenders.length > 0) body.tenders = tenders(value.tenders);
  return body;
}

/** Webhook kinds and signs → the store's event: order.placed / order.cancelled carry units, adjustments a signed delta. */
export function webhookRequest(value: WebhookInvokeValue, defaultStore: string): unknown {
  const delta = value.delta ?? 0;
  const type =
    value.kind === 'order.placed' || value.kind === 'order.cancelled' ? value.kind : 'inventory.adjusted';
  return {
    eventId: value.eventId,
    type,
    sku: value.sku,
    store: value.store ?? defaultStore,
    sequence: value.sequence,
    qty: type === 'inventory.adjusted' ? delta : Math.abs(delta),
  };
}
