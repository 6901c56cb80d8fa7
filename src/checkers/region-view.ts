// Lookups over one region's final state, built once and shared by every checker
// that needs them (cached per region object). At a million ops the state holds
// hundreds of thousands of orders and ledger rows; one pass each, not one per checker.
import type { FinalOrder, RegionState } from '../model/final-state.ts';
import { PairMap } from './pair-map.ts';

export interface OrderLookups {
  /** The first order per idempotency key / offline sale id… */
  readonly byKey: Map<string, FinalOrder>;
  readonly bySale: Map<string, FinalOrder>;
  /** …and every order of a key or sale that has more than one (rare: each is a duplicate). */
  readonly repeatedKeys: Map<string, FinalOrder[]>;
  readonly repeatedSales: Map<string, FinalOrder[]>;
}

export interface LedgerBalances {
  /** Σ delta per SKU and store. */
  readonly sums: PairMap<number>;
  /** Per SKU and store whose running balance (in seq order) went below zero: the lowest and where. */
  readonly lows: PairMap<{ min: number; seq: number }>;
}

export class RegionView {
  readonly region: RegionState;
  private orderLookups: OrderLookups | undefined;
  private byId: Map<string, FinalOrder> | undefined;
  private balances: LedgerBalances | undefined;

  constructor(region: RegionState) {
    this.region = region;
  }

  /** Orders by id: built on first use only, since most checks find orders by key. */
  ordersById(): Map<string, FinalOrder> {
    if (this.byId === undefined) {
      this.byId = new Map();
      for (const o of this.region.orders) this.byId.set(o.orderId, o);
    }
    return this.byId;
  }

  orders(): OrderLookups {
    if (this.orderLookups !== undefined) return this.orderLookups;
    const byKey = new Map<string, FinalOrder>();
    const bySale = new Map<string, FinalOrder>();
    const repeatedKeys = new Map<string, FinalOrder[]>();
    const repeatedSales = new Map<string, FinalOrder[]>();
    const index = (
      m: Map<string, FinalOrder>,
      repeated: Map<string, FinalOrder[]>,
      k: string,
      o: FinalOrder,
    ) => {
      const first = m.get(k);
      if (first === undefined) m.set(k, o);
      else {
        const list = repeated.get(k);
        if (list === undefined) repeated.set(k, [first, o]);
        else list.push(o);
      }
    };
    for (const o of this.region.orders) {
      if (o.idempotencyKey !== null) index(byKey, repeatedKeys, o.idempotencyKey, o);
      if (o.offlineSaleId !== null) index(bySale, repeatedSales, o.offlineSaleId, o);
    }
    this.orderLookups = { byKey, bySale, repeatedKeys, repeatedSales };
    return this.orderLookups;
  }

  ledgerBalances(): LedgerBalances {
    if (this.balances !== undefined) return this.balances;
    const ledger = this.region.ledger;
    let ordered = ledger;
    for (let i = 1; i < ledger.length; i++) {
      if (ledger[i]!.seq < ledger[i - 1]!.seq) {
        ordered = [...ledger].sort((a, b) => a.seq - b.seq);
        break;
      }
    }
    const sums = new PairMap<number>();
    const lows = new PairMap<{ min: number; seq: number }>();
    for (const e of ordered) {
      const b = sums.add(e.sku, e.store, e.delta);
      if (b < 0) {
        const l = lows.get(e.sku, e.store);
        if (l === undefined) lows.set(e.sku, e.store, { min: b, seq: e.seq });
        else if (b < l.min) l.min = b;
      }
    }
    this.balances = { sums, lows };
    return this.balances;
  }
}

const views = new WeakMap<RegionState, RegionView>();

export function regionView(region: RegionState): RegionView {
  let v = views.get(region);
  if (v === undefined) {
    v = new RegionView(region);
    views.set(region, v);
  }
  return v;
}
