// The two sides of the oversell inequality per SKU: what could be sold (initial
// stock from the run's catalog, then restocks and counts the state shows) and what
// the history says was sold — acknowledged, indeterminate (info / never answered),
// and returned. Each side is undefined where the evidence cannot say, never guessed 0.
import { type RegionState, wasRead } from '../model/final-state.ts';
import { OP } from '../model/op-values.ts';
import type { HistoryIndex } from './history-index.ts';
import type { Units } from './op-facts.ts';

/** Ledger reasons that are order lines (counted from the orders), not stock made available. */
export const ORDER_REASONS: ReadonlySet<string> = new Set(['sale', 'offline-sale', 'return', 'exchange']);
const SEED = 'seed';

/** Units made available before traffic, per SKU and (optionally) store: the run's catalog.json. */
export interface InitialStock {
  readonly sku: string;
  readonly store?: string;
  readonly qty: number;
}

export interface StockBound {
  /** Per SKU: initial stock + restocks/counts; undefined where either cannot be known. */
  readonly of: (sku: string) => number | undefined;
  /** Why a SKU's bound is unknown (for the explanation). */
  readonly whyUnknown: string;
}

/**
 * Initial stock comes from the catalog when there is one (what the run seeded,
 * whatever the target recorded), else from the state's seed rows. Restocks and counts
 * come from the state's availability or ledger; with neither read they are 0 only if
 * the history holds no op that can change stock outside an order (scans, webhooks).
 */
export function stockBound(
  region: RegionState | undefined,
  history: HistoryIndex,
  catalog: readonly InitialStock[] | undefined,
): StockBound {
  const seed = new Map<string, number>();
  const restock = new Map<string, number>();
  let stateShows = true;
  if (region !== undefined && wasRead(region, 'available')) {
    for (const a of region.available ?? []) add(a.source === SEED ? seed : restock, a.sku, a.qty);
  } else if (region !== undefined && wasRead(region, 'ledger')) {
    for (const e of region.ledger) {
      if (!ORDER_REASONS.has(e.reason)) add(e.reason === SEED ? seed : restock, e.sku, e.delta);
    }
  } else stateShows = false;
  const restocksKnown =
    stateShows || (history.opsOf(OP.scan).length === 0 && history.opsOf(OP.webhook).length === 0);
  const initial = catalog === undefined ? (stateShows ? seed : undefined) : sumBySku(catalog);
  return {
    of: (sku) =>
      !restocksKnown || initial === undefined ? undefined : (initial.get(sku) ?? 0) + (restock.get(sku) ?? 0),
    whyUnknown: !restocksKnown
      ? 'the state shows neither availability nor a ledger, and the history has scans or webhooks that change stock'
      : 'there is no catalog (catalog.json) and the state shows no seeded stock',
  };
}

export interface HistorySales {
  /** Units acknowledged sold from stock (each checkout, exchange and offline sale once). */
  readonly acked: Map<string, number>;
  /** Units that may have been sold on top: info or unanswered, or answered without saying what was backordered. */
  readonly maybe: Map<string, number>;
  /** Units every return or exchange not known to have failed may have put back. */
  readonly returnsPossible: Map<string, number>;
}

/** What the history says about units leaving stock, per SKU. */
export function historySales(history: HistoryIndex): HistorySales {
  const acked = new Map<string, number>();
  const maybe = new Map<string, number>();
  const returnsPossible = new Map<string, number>();
  const ackedKeys = new Set<string>();
  for (const c of history.checkouts) if (c.status === 'ok') ackedKeys.add(c.key);
  const counted = new Set<string>();
  for (const c of history.checkouts) {
    // A retry of an acknowledged key is the same sale.
    if (c.status === 'ok' ? counted.has(c.key) : ackedKeys.has(c.key)) continue;
    if (c.status === 'ok') counted.add(c.key);
    addUnits(c.status === 'ok' ? acked : maybe, c.units);
  }
  const ackedReturns = new Set<string>();
  for (const r of history.returns) if (r.status === 'ok') ackedReturns.add(r.key);
  const countedReturns = new Set<string>();
  for (const r of history.returns) {
    addUnits(returnsPossible, r.returnedUnits);
    if (r.status === 'ok' ? countedReturns.has(r.key) : ackedReturns.has(r.key)) continue;
    if (r.status === 'ok') countedReturns.add(r.key);
    addUnits(r.status === 'ok' ? acked : maybe, r.soldUnits);
  }
  offlineSales(history, acked, maybe);
  return { acked, maybe, returnsPossible };
}

/** Offline sales: taken from stock = asked − backordered, known only from an answer that lists the sale as applied. */
function offlineSales(history: HistoryIndex, acked: Map<string, number>, maybe: Map<string, number>): void {
  const settled = new Set<string>();
  for (const s of history.offlineSyncs) {
    for (const sale of s.sales) {
      const applied = sale.ackStatus === 'applied' || sale.ackStatus === 'backordered';
      // The answer's backorders are summed per sale: with several SKUs they cannot be placed, so
      // such a sale only counts as maybe (below), never as acknowledged units of the wrong SKU.
      const placeable = sale.backorderedUnits === 0 || sale.units.length === 1;
      if (s.status === 'ok' && applied && placeable && !settled.has(sale.saleId)) {
        settled.add(sale.saleId);
        for (const [sku, q] of sale.units) add(acked, sku, q - Math.min(q, sale.backorderedUnits));
      }
    }
  }
  // Every other sale once, however many uploads carried it.
  for (const s of history.offlineSyncs) {
    for (const sale of s.sales) {
      if (settled.has(sale.saleId)) continue;
      settled.add(sale.saleId);
      addUnits(maybe, sale.units);
    }
  }
}

function addUnits(into: Map<string, number>, units: Units | undefined): void {
  for (const [sku, qty] of units ?? []) add(into, sku, qty);
}

function add(m: Map<string, number>, sku: string, n: number): void {
  m.set(sku, (m.get(sku) ?? 0) + n);
}

function sumBySku(rows: readonly InitialStock[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) add(m, r.sku, r.qty);
  return m;
}
