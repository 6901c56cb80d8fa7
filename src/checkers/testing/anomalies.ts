// One anomaly injected into a correct final state, each the signature of a real
// defect: a key applied twice, a unit oversold, an acknowledged sale lost, a stale
// level overwriting newer stock, a refund beyond its tender, an offline sale
// taking stock twice. Each returns false when the state has nothing to corrupt.
import type { FinalState, RegionState } from '../../model/final-state.ts';

export const ANOMALIES = [
  'double-apply',
  'oversell',
  'lost-ack',
  'stale-overwrite',
  'refund-over-tender',
  'offline-double-apply',
] as const;
export type Anomaly = (typeof ANOMALIES)[number];

/** The checker that must catch each anomaly. */
export const CAUGHT_BY: Record<Anomaly, string> = {
  'double-apply': 'idempotency',
  oversell: 'oversell',
  'lost-ack': 'lost-acks',
  'stale-overwrite': 'ordering',
  'refund-over-tender': 'tender-integrity',
  'offline-double-apply': 'offline-reconciliation',
};

const survivor = (s: FinalState): RegionState => s.regions[s.authoritativeRegion]!;

/** Copies the surviving region's arrays so the injection does not leak into other regions sharing them. */
function own(s: FinalState): RegionState {
  const r = survivor(s);
  const copy: RegionState = {
    ...r,
    orders: [...r.orders],
    refunds: [...r.refunds],
    ledger: [...r.ledger],
    stock: r.stock.map((x) => ({ ...x })),
  };
  s.regions[s.authoritativeRegion] = copy;
  return copy;
}

const nextSeq = (r: RegionState) => r.ledger.reduce((m, e) => Math.max(m, e.seq), 0) + 1;

export function inject(
  kind: Anomaly,
  state: FinalState,
  ackedOrders: readonly string[],
  pick: (n: number) => number,
): boolean {
  switch (kind) {
    case 'double-apply': {
      const r = own(state);
      const keyed = r.orders.filter((o) => o.idempotencyKey !== null);
      if (keyed.length === 0) return false;
      const o = keyed[pick(keyed.length)]!;
      r.orders.push({ ...o, orderId: `${o.orderId}-again` });
      return true;
    }
    case 'oversell': {
      const r = own(state);
      const row = r.stock.find((x) => x.onHand >= 0 && !x.sku.startsWith('PROBE'));
      if (row === undefined) return false;
      const qty = row.onHand + 1;
      r.orders.push({
        orderId: 'oversold',
        idempotencyKey: 'oversold',
        offlineSaleId: null,
        channel: 'web',
        store: row.store,
        status: 'completed',
        lines: [{ sku: row.sku, qty, epc: null, backorderedQty: 0, returnedQty: 0 }],
        tenders: [{ type: 'card', amountCents: 1 }],
      });
      r.ledger.push({
        seq: nextSeq(r),
        sku: row.sku,
        store: row.store,
        delta: -qty,
        reason: 'sale',
        refType: 'order',
        refId: 'oversold',
        idempotencyKey: 'oversold',
        batchId: null,
        absolute: false,
      });
      row.onHand -= qty;
      return true;
    }
    case 'lost-ack': {
      if (ackedOrders.length === 0) return false;
      const r = own(state);
      const id = ackedOrders[pick(ackedOrders.length)]!;
      const at = r.orders.findIndex((o) => o.orderId === id);
      if (at === -1) return false;
      r.orders.splice(at, 1);
      return true;
    }
    case 'stale-overwrite': {
      const r = own(state);
      const sequenced = r.ledger.filter((e) => e.sequence !== undefined && e.sequence >= 1);
      if (sequenced.length === 0) return false;
      const e = sequenced[pick(sequenced.length)]!;
      // An older count (sequence 0) landing last: the stale overwrite; delta 0 keeps the books straight.
      r.ledger.push({
        ...e,
        seq: nextSeq(r),
        sequence: 0,
        delta: 0,
        absolute: true,
        refId: `${e.refId}-stale`,
      });
      return true;
    }
    case 'refund-over-tender': {
      const r = own(state);
      const paid = r.orders.filter((o) => o.tenders.length > 0);
      if (paid.length === 0) return false;
      const o = paid[pick(paid.length)]!;
      const t = o.tenders[0]!;
      const already = r.refunds
        .filter((f) => f.orderId === o.orderId && f.tenderId === t.tenderId)
        .reduce((s, f) => s + f.amountCents, 0);
      r.refunds.push({
        orderId: o.orderId,
        returnId: 'R-over',
        tenderId: t.tenderId,
        tender: t.type,
        amountCents: t.amountCents - already + 1,
        idempotencyKey: 'refund-over',
      });
      return true;
    }
    case 'offline-double-apply': {
      const r = own(state);
      const taken = r.ledger.filter((e) => e.refType === 'offline-sale');
      if (taken.length === 0) return false;
      const e = taken[pick(taken.length)]!;
      r.ledger.push({ ...e, seq: nextSeq(r) });
      const row = r.stock.find((x) => x.sku === e.sku && x.store === e.store)!;
      row.onHand += e.delta;
      return true;
    }
  }
}
