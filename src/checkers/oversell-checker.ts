// Oversell: no unit sold that was not there. Per SKU, units sold and kept (not
// backordered, not returned) ≤ units made available: the run's initial stock
// (catalog.json) plus the restocks and counts the state shows. Sales come from the
// state's orders when the oracle read them (they settle every indeterminate sale),
// and from the history: acknowledged sales beyond the bound are an oversell whatever
// the state says; when the orders were not read and only indeterminate sales could
// cross it, the answer is unknown. Also: stock never below zero (counters, and the
// ledger's running balance), and no serialized unit (EPC) held by two customers at once.
import { authoritativeState, type RegionState, wasRead } from '../model/final-state.ts';
import { atMs, type Checker, type CheckResult, EvidenceList, plural } from './checker.ts';
import type { HistoryIndex } from './history-index.ts';
import { historySales, type InitialStock, stockBound } from './oversell-bound.ts';
import { regionView } from './region-view.ts';

export const OVERSELL = 'oversell';

export interface OversellOptions {
  /** What the run seeded (catalog.json); without it, the seed rows the state shows. */
  readonly initialStock?: readonly InitialStock[];
}

export function oversellChecker(opts: OversellOptions = {}): Checker {
  return {
    name: OVERSELL,
    check(history, state, options): CheckResult {
      const evidence = new EvidenceList(options.maxEvidence);
      const historyDoubles = epcDoubleSalesInHistory(history, evidence);
      const region = authoritativeState(state);
      const units = unitsCheck(region, history, opts.initialStock, evidence);
      if (region === undefined) {
        const oversold = historyDoubles + units.oversold;
        return {
          name: OVERSELL,
          valid: oversold > 0 ? false : 'unknown',
          figures: {
            epcDoubleSold: historyDoubles,
            oversoldUnits: oversold,
            oversoldSkus: units.excess.size,
          },
          evidence: evidence.items,
          explanation:
            oversold > 0
              ? `${plural(oversold, 'unit')} acknowledged beyond stock or sold twice (no final state to check stock)`
              : 'no final state was read, so stock cannot be checked',
        };
      }
      return checkRegion(region, units, historyDoubles, evidence);
    },
  };
}

interface UnitsCheck {
  /** Per SKU, units sold beyond what was made available. */
  readonly excess: Map<string, number>;
  readonly oversold: number;
  /** SKUs the evidence cannot settle, and why. */
  readonly undecided: string[];
  readonly why: string;
  readonly skus: number;
  readonly indeterminateUnits: number;
}

/** Per SKU, sales (state, acknowledged, indeterminate) against the stock bound. */
function unitsCheck(
  region: RegionState | undefined,
  history: HistoryIndex,
  catalog: readonly InitialStock[] | undefined,
  evidence: EvidenceList,
): UnitsCheck {
  const bound = stockBound(region, history, catalog);
  const sales = historySales(history);
  const sold = region !== undefined && wasRead(region, 'orders') ? soldInState(region) : undefined;
  const skus = new Set([...(sold?.keys() ?? []), ...sales.acked.keys(), ...sales.maybe.keys()]);
  const excess = new Map<string, number>();
  const undecided: string[] = [];
  let why = '';
  let indeterminateUnits = 0;
  for (const n of sales.maybe.values()) indeterminateUnits += n;
  for (const sku of skus) {
    const have = bound.of(sku);
    if (have === undefined) {
      undecided.push(sku);
      why = bound.whyUnknown;
      continue;
    }
    // Generous on returns (any not known to have failed), so this holds for a correct store.
    const ackedKept = (sales.acked.get(sku) ?? 0) - (sales.returnsPossible.get(sku) ?? 0);
    let over = 0;
    if (ackedKept > have) {
      over = ackedKept - have;
      evidence.add({
        what: 'acknowledged sales exceed what was made available',
        sku,
        expected: `≤ ${have}`,
        actual: ackedKept,
      });
    }
    const n = sold?.get(sku);
    if (n !== undefined && n > have) {
      over = Math.max(over, n - have);
      evidence.add({ what: 'sold more than was made available', sku, expected: `≤ ${have}`, actual: n });
    }
    if (over > 0) excess.set(sku, over);
    else if (sold === undefined && (sales.acked.get(sku) ?? 0) + (sales.maybe.get(sku) ?? 0) > have) {
      undecided.push(sku);
      why = 'the orders were not read, and sales with no answer could have gone beyond stock';
    }
  }
  let oversold = 0;
  for (const u of excess.values()) oversold += u;
  return { excess, oversold, undecided, why, skus: skus.size, indeterminateUnits };
}

/** Units sold and kept per SKU, from the orders. */
function soldInState(region: RegionState): Map<string, number> {
  const sold = new Map<string, number>();
  for (const o of region.orders) {
    if (o.status === 'cancelled') continue;
    for (const l of o.lines) {
      sold.set(l.sku, (sold.get(l.sku) ?? 0) + l.qty - l.backorderedQty - l.returnedQty);
    }
  }
  return sold;
}

function checkRegion(
  region: RegionState,
  units: UnitsCheck,
  historyDoubles: number,
  evidence: EvidenceList,
): CheckResult {
  const excess = new Map(units.excess);
  const bump = (sku: string, n: number) => excess.set(sku, Math.max(excess.get(sku) ?? 0, n));

  // Stock never negative: counters, and the ledger replayed in order (each where it was read).
  let negativeStock = 0;
  const negativeBySku = new Map<string, number>();
  if (wasRead(region, 'stock')) {
    for (const s of region.stock) {
      if (s.onHand < 0) {
        negativeStock++;
        negativeBySku.set(s.sku, (negativeBySku.get(s.sku) ?? 0) - s.onHand);
        evidence.add({ what: 'stock counter below zero', sku: s.sku, store: s.store, actual: s.onHand });
      }
    }
  }
  if (wasRead(region, 'ledger')) {
    for (const [sku, n] of ledgerLows(region, evidence, () => negativeStock++)) {
      negativeBySku.set(sku, Math.max(negativeBySku.get(sku) ?? 0, n));
    }
  }
  for (const [sku, n] of negativeBySku) bump(sku, n);

  // Serialized units held by two orders at once.
  const stateDoubles = epcDoubleSalesInState(region, evidence);
  const epcDoubleSold = Math.max(stateDoubles, historyDoubles);

  let oversoldUnits = epcDoubleSold;
  for (const n of excess.values()) oversoldUnits += n;
  // Nothing sold in the history, and nothing read that could show a sale or a shortage.
  const blind =
    units.skus === 0 && !wasRead(region, 'orders') && !wasRead(region, 'stock') && !wasRead(region, 'ledger');
  const valid =
    oversoldUnits > 0 || negativeStock > 0 ? false : units.undecided.length > 0 || blind ? 'unknown' : true;
  return {
    name: OVERSELL,
    valid,
    figures: {
      oversoldUnits,
      oversoldSkus: excess.size,
      negativeStock,
      epcDoubleSold,
      skusSold: units.skus,
      undecidedSkus: units.undecided.length,
      indeterminateUnits: units.indeterminateUnits,
      availabilityKnown: units.undecided.length === 0 ? 1 : 0,
    },
    evidence: evidence.items,
    explanation:
      valid === true
        ? `no oversell in region ${region.region}: ${plural(units.skus, 'SKU')} sold within stock, no serialized unit sold twice`
        : valid === false
          ? `${plural(oversoldUnits, 'unit')} oversold in region ${region.region} (${plural(excess.size, 'SKU')} beyond stock, ${plural(epcDoubleSold, 'serialized unit')} sold twice, ${plural(negativeStock, 'negative stock reading')})`
          : blind
            ? `region ${region.region}: no orders, stock or ledger were read and the history sold nothing, so nothing shows whether stock held`
            : `cannot tell for ${plural(units.undecided.length, 'SKU')} (${units.undecided.slice(0, 3).join(', ')}): ${units.why}`,
  };
}

/** Per SKU, the deepest the ledger's running balance went below zero in any store. */
function ledgerLows(
  region: RegionState,
  evidence: EvidenceList,
  onNegative: () => void,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [sku, store, l] of regionView(region).ledgerBalances().lows.entries()) {
    onNegative();
    evidence.add({
      what: 'ledger balance went below zero',
      sku,
      store,
      key: `ledger seq ${l.seq}`,
      actual: l.min,
    });
    out.set(sku, (out.get(sku) ?? 0) - l.min);
  }
  return out;
}

function epcDoubleSalesInState(region: RegionState, evidence: EvidenceList): number {
  const holders = new Map<string, Set<string>>();
  const hold = (epc: string, orderId: string) => {
    let s = holders.get(epc);
    if (s === undefined) {
      s = new Set();
      holders.set(epc, s);
    }
    s.add(orderId);
  };
  for (const o of region.orders) {
    if (o.status === 'cancelled') continue;
    for (const l of o.lines) if (l.epc !== null && l.returnedQty < l.qty) hold(l.epc, o.orderId);
  }
  for (const u of region.serializedUnits) for (const id of u.orderIds) hold(u.epc, id);
  let doubles = 0;
  for (const [epc, orders] of holders) {
    if (orders.size > 1) {
      doubles += orders.size - 1;
      evidence.add({ what: 'serialized unit held by two orders', key: epc, actual: [...orders].join(', ') });
    }
  }
  return doubles;
}

/**
 * Serialized units acknowledged as sold to two customers with no return that
 * could have come between. Conservative so it can be trusted without the state:
 * only `ok` sales count (deduplicated by idempotency key), while every return that
 * may have happened (ok, info or pending) counts from the moment it was sent.
 */
function epcDoubleSalesInHistory(history: HistoryIndex, evidence: EvidenceList): number {
  type Ev = { epc: string; at: number; delta: 1 | -1; op: number; key: string };
  const events: Ev[] = [];
  for (const c of history.checkouts) {
    if (c.status !== 'ok' || c.epcs === undefined) continue;
    for (const epc of c.epcs)
      events.push({ epc, at: history.completeNs[c.op]!, delta: 1, op: c.op, key: c.key });
  }
  for (const r of history.returns) {
    for (const epc of r.returnedEpcs ?? []) {
      events.push({ epc, at: history.invokeNs[r.op]!, delta: -1, op: r.op, key: r.key });
    }
    if (r.status === 'ok') {
      for (const epc of r.soldEpcs ?? []) {
        events.push({ epc, at: history.completeNs[r.op]!, delta: 1, op: r.op, key: r.key });
      }
    }
  }
  if (events.length === 0) return 0;
  // Returns first at equal times: the conservative order.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const held = new Map<string, { count: number; keys: Set<string>; ops: number[] }>();
  let doubles = 0;
  for (const e of events) {
    let h = held.get(e.epc);
    if (h === undefined) {
      h = { count: 0, keys: new Set(), ops: [] };
      held.set(e.epc, h);
    }
    if (e.delta === -1) {
      h.count = Math.max(0, h.count - 1);
      continue;
    }
    // A retry acknowledged again under the same key is the same sale.
    if (h.keys.has(e.key)) continue;
    h.keys.add(e.key);
    h.count++;
    h.ops.push(e.op);
    if (h.count > 1) {
      doubles++;
      evidence.add({
        what: 'serialized unit acknowledged as sold twice',
        key: e.epc,
        ops: h.ops.slice(-2).map((i) => history.opId(i)),
        atMs: atMs(e.at),
      });
    }
  }
  return doubles;
}
