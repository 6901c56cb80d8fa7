// The reference store's committed rows back into recording events, for
// `record postgres`: an order and its lines and tenders are written in one
// transaction, so each commit carrying an `orders` insert is one order event,
// whatever channel took it (POS offline sync and marketplace orders never cross
// the HTTP API). Returns follow their order when this capture saw it.
import type { CommittedRows, RowDecoder } from '../target-codec.ts';

type Row = Readonly<Record<string, unknown>>;

const TENDER_TYPES = new Set(['card', 'debit', 'gift_card', 'cash', 'store_credit']);

function rowsOf(tx: CommittedRows, table: string): Row[] {
  return tx.inserts.filter((i) => i.table === table).map((i) => i.row);
}

export class StoreRowDecoder implements RowDecoder {
  readonly tables = ['orders', 'order_lines', 'tenders', 'returns', 'return_lines', 'refunds'] as const;
  /** Order id → its event id and channel, for the returns that come later. */
  private readonly orders = new Map<string, { readonly id: string; readonly channel: string }>();
  /** Tender id → its kind: a refund row names the tender it went back to, not the kind. */
  private readonly tenderKinds = new Map<string, string>();

  decode(tx: CommittedRows): ReturnType<RowDecoder['decode']> {
    const events: ReturnType<RowDecoder['decode']>['events'] = [];
    let undecodable = 0;
    for (const order of rowsOf(tx, 'orders')) {
      const id = String(order.id);
      const lines = rowsOf(tx, 'order_lines').filter((l) => l.order_id === id);
      const tenders = rowsOf(tx, 'tenders').filter(
        (t) => t.order_id === id && TENDER_TYPES.has(String(t.kind)),
      );
      if (lines.length === 0 || tenders.length === 0) {
        // An exchange's new order (no tender of its own) or a row this decoder does not know.
        undecodable++;
        continue;
      }
      const eventId = `pg:${id}`;
      this.orders.set(id, { id: eventId, channel: String(order.channel) });
      for (const t of tenders) this.tenderKinds.set(String(t.id), String(t.kind));
      events.push({
        kind: 'order',
        id: eventId,
        channel: String(order.channel),
        store: String(order.store),
        ...(order.terminal ? { terminal: String(order.terminal) } : {}),
        lines: lines.map((l) => ({
          sku: String(l.sku),
          qty: Number(l.qty),
          unitPriceCents: Number(l.unit_price_cents),
          ...(l.epc ? { epc: String(l.epc) } : {}),
        })),
        tenders: tenders.map((t) => ({ type: String(t.kind), amountCents: Number(t.amount_cents) })),
        idempotencyKey: String(order.idempotency_key ?? order.offline_sale_id ?? `pg:${id}`),
      });
    }
    for (const ret of rowsOf(tx, 'returns')) {
      const order = this.orders.get(String(ret.order_id));
      const lines = rowsOf(tx, 'return_lines').filter((l) => l.return_id === ret.id);
      const refunds = rowsOf(tx, 'refunds').filter((r) => r.return_id === ret.id);
      if (order === undefined || lines.length === 0 || refunds.length === 0 || ret.exchange_order_id) {
        undecodable++;
        continue;
      }
      events.push({
        kind: 'return',
        id: `pg:${String(ret.id)}`,
        orderRef: order.id,
        channel: order.channel,
        store: String(ret.store),
        lines: lines.map((l) => ({
          sku: String(l.sku),
          qty: Number(l.qty),
          unitPriceCents: Number(l.unit_price_cents ?? 0),
        })),
        refunds: refunds.map((r) => ({
          type: this.tenderKinds.get(String(r.tender_id)) ?? 'card',
          amountCents: Number(r.amount_cents),
        })),
        idempotencyKey: String(ret.idempotency_key ?? `pg:${String(ret.id)}`),
      });
    }
    return { events, undecodable };
  }
}
