// A POS lane's store-and-forward queue: whether a sale may be taken offline
// (amount, count, card vs cash rules, a local price for every line), the sales
// taken, and the batches they are uploaded in until the store acknowledges them.
import type {
  CheckoutInvokeValue,
  LineValue,
  OfflineSyncInvokeValue,
  TenderValue,
} from '../src/model/op-values.ts';

export interface OfflineLimits {
  /** The largest sale taken offline, in cents. */
  readonly maxSaleCents: number;
  /** Offline sales a lane holds before it stops selling (not yet acknowledged by the store). */
  readonly maxSales: number;
  /** Cards (credit, debit) offline at all: the lane then carries the authorisation risk. */
  readonly cardAllowed: boolean;
  /** The card floor limit: card sales above it need the uplink. Default: maxSaleCents. */
  readonly cardMaxSaleCents?: number;
  /** Share of offline sales whose tender record comes up short of the total (default 0). */
  readonly incompleteTenderRate?: number;
}

/**
 * Assumptions, not measurements: $500 a sale, a few hours of a busy lane, cards allowed
 * offline up to a $250 floor limit (card schemes let merchants set one).
 */
export const DEFAULT_OFFLINE_LIMITS: OfflineLimits = {
  maxSaleCents: 50_000,
  maxSales: 200,
  cardAllowed: true,
  cardMaxSaleCents: 25_000,
};

const CARD_TENDERS = new Set(['card', 'debit']);
// Balances live in the back office: a lane cannot know what is left on them offline.
const ONLINE_ONLY_TENDERS = new Set(['gift_card', 'store_credit']);

export interface OfflineLine extends LineValue {
  readonly unitPriceCents: number;
}

export interface OfflineSaleRecord {
  readonly saleId: string;
  readonly soldAt: string;
  readonly lines: readonly OfflineLine[];
  readonly tenders: readonly TenderValue[];
}

export type OfflineDecision =
  | { readonly accepted: true; readonly sale: OfflineSaleRecord }
  | { readonly accepted: false; readonly reason: string };

/** Rings a checkout up offline at the lane's own prices, or says why it may not be. */
export function decideOfflineSale(
  checkout: CheckoutInvokeValue,
  priceOf: (sku: string) => number | undefined,
  limits: OfflineLimits,
  held: number,
  soldAt: string,
  /** This sale's tender record is incomplete: the last tender's amount is missing half. */
  incompleteTender = false,
): OfflineDecision {
  if (held >= limits.maxSales) return { accepted: false, reason: `${held} offline sales already held` };
  const lines: OfflineLine[] = [];
  let total = 0;
  for (const l of checkout.lines) {
    const price = priceOf(l.sku);
    if (price === undefined) return { accepted: false, reason: `no local price for ${l.sku}` };
    lines.push(
      l.epc === undefined
        ? { sku: l.sku, qty: l.qty, unitPriceCents: price }
        : { ...l, unitPriceCents: price },
    );
    total += l.qty * price;
  }
  if (total > limits.maxSaleCents)
    return { accepted: false, reason: `${total} cents is above the offline limit` };
  for (const t of checkout.tenders) {
    if (ONLINE_ONLY_TENDERS.has(t.type)) return { accepted: false, reason: `${t.type} needs the uplink` };
    if (CARD_TENDERS.has(t.type)) {
      if (!limits.cardAllowed) return { accepted: false, reason: 'cards need the uplink' };
      if (total > (limits.cardMaxSaleCents ?? limits.maxSaleCents))
        return { accepted: false, reason: `${total} cents is above the card floor limit` };
    }
  }
  const paid = checkout.tenders.reduce((sum, t) => sum + t.amountCents, 0);
  // The lane charges what its own price file says; if that differs from the recorded
  // total (a price changed), the customer pays the lane's total with the first tender.
  const tenders =
    paid === total
      ? checkout.tenders.map((t) => ({ type: t.type, amountCents: t.amountCents }))
      : [{ type: checkout.tenders[0]!.type, amountCents: total }];
  if (total === 0) return { accepted: false, reason: 'nothing to charge' };
  return {
    accepted: true,
    sale: {
      saleId: checkout.idempotencyKey,
      soldAt,
      lines,
      tenders: incompleteTender ? shortOf(tenders) : tenders,
    },
  };
}

/** The tenders as an incomplete record: the last one rung up for half its amount (rounded down). */
function shortOf(tenders: readonly { type: string; amountCents: number }[]) {
  return tenders.map((t, i) =>
    i === tenders.length - 1 ? { type: t.type, amountCents: Math.floor(t.amountCents / 2) } : t,
  );
}

/** pending → acked | rejected; or dissolved: never received, its sales re-sealed with later ones. */
export type BatchState = 'pending' | 'acked' | 'rejected' | 'dissolved';

export interface OfflineBatch {
  readonly batchId: string;
  readonly sales: readonly OfflineSaleRecord[];
  /** What the history records for its upload (op-values' offline-sync invoke). */
  readonly value: OfflineSyncInvokeValue;
  state: BatchState;
  uploads: number;
  inFlight: number;
  /** An upload of it ended without a clear answer: the store may have it, so its content is fixed. */
  maybeReceived: boolean;
}

export class OfflineQueue {
  readonly terminal: string;
  readonly store: string;
  private readonly batchPrefix: string;
  private readonly maxBatchSales: number;
  private open: OfflineSaleRecord[] = [];
  /** Sealed and not yet acknowledged (or rejected), oldest first. */
  private readonly batches: OfflineBatch[] = [];
  private readonly byId = new Map<string, OfflineBatch>();
  private sealed = 0;

  constructor(terminal: string, store: string, batchPrefix: string, maxBatchSales: number) {
    this.terminal = terminal;
    this.store = store;
    this.batchPrefix = batchPrefix;
    this.maxBatchSales = maxBatchSales;
  }

  /** Offline sales not yet acknowledged by the store. */
  get held(): number {
    return this.open.length + this.batches.reduce((n, b) => n + b.sales.length, 0);
  }

  add(sale: OfflineSaleRecord): void {
    this.open.push(sale);
  }

  /**
   * The batch to upload next: the oldest unacknowledged one, else the open sales sealed into
   * one. A batch the store provably never received (every upload refused) is resealed with
   * the sales taken since, so a long outage ends in one upload rather than one per attempt.
   */
  nextBatch(): OfflineBatch | undefined {
    const oldest = this.batches[0];
    if (oldest !== undefined) {
      if (oldest.maybeReceived || oldest.inFlight > 0 || this.open.length === 0 || this.batches.length > 1) {
        return oldest;
      }
      oldest.state = 'dissolved';
      this.batches.shift();
      this.open = [...oldest.sales, ...this.open];
    }
    if (this.open.length === 0) return undefined;
    const sales = this.open.slice(0, this.maxBatchSales);
    this.open = this.open.slice(sales.length);
    const batchId = `${this.batchPrefix}-${++this.sealed}`;
    const batch: OfflineBatch = {
      batchId,
      sales,
      value: {
        terminal: this.terminal,
        store: this.store,
        batchId,
        sales: sales.map((s) => ({
          saleId: s.saleId,
          lines: s.lines.map((l) =>
            l.epc === undefined ? { sku: l.sku, qty: l.qty } : { sku: l.sku, qty: l.qty, epc: l.epc },
          ),
          tenders: s.tenders.map((t) => ({ ...t })),
        })),
      },
      state: 'pending',
      uploads: 0,
      inFlight: 0,
      maybeReceived: false,
    };
    this.batches.push(batch);
    this.byId.set(batchId, batch);
    return batch;
  }

  batch(batchId: string): OfflineBatch | undefined {
    return this.byId.get(batchId);
  }

  /** The store took it (acknowledged), or refused its shape for good (rejected: not sent again). */
  settle(batch: OfflineBatch, state: 'acked' | 'rejected'): void {
    batch.state = state;
    const i = this.batches.indexOf(batch);
    if (i !== -1) this.batches.splice(i, 1);
  }

  /** The store's request body for an upload. */
  requestBody(batch: OfflineBatch): unknown {
    return {
      batchId: batch.batchId,
      store: this.store,
      terminal: this.terminal,
      sales: batch.sales.map((s) => ({
        saleId: s.saleId,
        soldAt: s.soldAt,
        lines: s.lines,
        tenders: s.tenders.map((t) => ({ kind: t.type, amountCents: t.amountCents })),
      })),
    };
  }
}
