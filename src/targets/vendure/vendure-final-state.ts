// Vendure's database snapshot (vendure-oracle.ts) → the neutral FinalState the
// checkers read. One region (`a`, the site whose database is authoritative).
// Orders are those Vendure placed (orderPlacedAt set), keyed by their code, the
// id the Shop API answered with. Stock is what Vendure would still sell per SKU:
// on hand − allocated (placement allocates; a sale only moves it at fulfilment),
// so a negative figure is a unit promised twice. What was made available is each
// SKU's ADJUSTMENT movements (the seed). Vendure keeps no per-event ledger,
// webhook, scan, return or refund record peakdrill drives, so those are not read.
import type { FinalStateInput } from '../../model/final-state.ts';
import type { VendureState } from './vendure-oracle.ts';

/** Vendure's one stock location, named as peakdrill's stock rows name a store. */
export const VENDURE_LOCATION = 'vendure-default';

export function vendureFinalState(state: VendureState, site = 'a'): FinalStateInput {
  return {
    schemaVersion: 1,
    readAt: state.readAt,
    authoritativeRegion: site,
    regions: {
      [site]: {
        region: site,
        role: 'primary',
        read: ['skus', 'orders', 'stock', 'available'],
        skus: state.stock.map((s) => s.sku),
        orders: state.orders
          .filter((o) => o.placed)
          .map((o) => ({
            orderId: o.code,
            channel: 'web',
            status: o.state,
            lines: o.lines.filter((l) => l.quantity > 0).map((l) => ({ sku: l.sku, qty: l.quantity })),
            tenders: o.payments
              .filter((p) => p.state === 'Settled' || p.state === 'Authorized')
              .map((p) => ({ tenderId: p.id, type: p.method, amountCents: p.amount })),
          })),
        stock: state.stock.map((s) => ({ sku: s.sku, store: VENDURE_LOCATION, onHand: s.saleable })),
        available: state.stock.map((s) => ({
          sku: s.sku,
          store: VENDURE_LOCATION,
          qty: s.movements.ADJUSTMENT ?? 0,
          source: 'seed',
        })),
      },
    },
  };
}

/** What changes while Vendure is still finishing work: placed orders and allocations. */
export function vendureFingerprint(state: VendureState): string {
  let allocated = 0;
  for (const s of state.stock) allocated += s.stockAllocated;
  return `${state.orders.filter((o) => o.placed).length}/${allocated}`;
}
