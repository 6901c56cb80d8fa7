// Oversell: no unit sold that was not there. Per SKU, units sold and kept
// (not backordered, not returned) ≤ units made available; stock never below
// zero, neither in the counters nor in the ledger's running balance; and no
// serialized unit (EPC) held by two customers at once — from the final state,
// and from the history's acknowledged sales, which prove it even if the state lost one.
import { authoritativeState, type RegionState } from '../model/final-state.ts';
import { atMs, type Checker, type CheckResult, EvidenceList, plural } from './checker.ts';
import type { HistoryIndex } from './history-index.ts';
import { regionView } from './region-view.ts';

export const OVERSELL = 'oversell';

export function oversellChecker(): Checker {
  return {
    name: OVERSELL,
    check(history, state, options): CheckResult {
      const evidence = new EvidenceList(options.maxEvidence);
      const historyDoubles = epcDoubleSalesInHistory(history, evidence);
      const region = authoritativeState(state);
      if (region === undefined) {
        return {
          name: OVERSELL,
          valid: historyDoubles > 0 ? false : 'unknown',
          figures: { epcDoubleSold: historyDoubles, oversoldUnits: historyDoubles },
          evidence: evidence.items,
          explanation:
            historyDoubles > 0
              ? `${plural(historyDoubles, 'serialized unit')} acknowledged as sold twice (no final state to check stock)`
              : 'no final state was read, so stock cannot be checked',
        };
      }
      return checkRegion(region, historyDoubles, evidence);
    },
  };
}

function checkRegion(region: RegionState, historyDoubles: number, evidence: EvidenceList): CheckResult {
  const excess = new Map<string, number>();
  const bump = (sku: string, units: number) => excess.set(sku, Math.max(excess.get(sku) ?? 0, units));

  // 1. Sold and kept vs made available.
  const sold = new Map<string, number>();
  for (const o of region.orders) {
    if (o.status === 'cancelled') continue;
    for (const l of o.lines) {
      sold.set(l.sku, (sold.get(l.sku) ?? 0) + l.qty - l.backorderedQty - l.returnedQty);
    }
  }
  if (region.available !== undefined) {
    const available = new Map<string, number>();
    for (const a of region.available) available.set(a.sku, (available.get(a.sku) ?? 0) + a.qty);
    for (const [sku, n] of sold) {
      const have = available.get(sku) ?? 0;
      if (n > have) {
        bump(sku, n - have);
        evidence.add({ what: 'sold more than was made available', sku, expected: `≤ ${have}`, actual: n });
      }
    }
  }

  // 2. Stock never negative: counters, and the ledger replayed in order.
  let negativeStock = 0;
  const negativeBySku = new Map<string, number>();
  for (const s of region.stock) {
    if (s.onHand < 0) {
      negativeStock++;
      negativeBySku.set(s.sku, (negativeBySku.get(s.sku) ?? 0) - s.onHand);
      evidence.add({ what: 'stock counter below zero', sku: s.sku, store: s.store, actual: s.onHand });
    }
  }
  for (const [sku, units] of ledgerLows(region, evidence, () => negativeStock++)) {
    negativeBySku.set(sku, Math.max(negativeBySku.get(sku) ?? 0, units));
  }
  for (const [sku, units] of negativeBySku) bump(sku, units);

  // 3. Serialized units held by two orders at once.
  const stateDoubles = epcDoubleSalesInState(region, evidence);
  const epcDoubleSold = Math.max(stateDoubles, historyDoubles);

  let oversoldUnits = epcDoubleSold;
  for (const units of excess.values()) oversoldUnits += units;
  const valid = oversoldUnits === 0 && negativeStock === 0;
  return {
    name: OVERSELL,
    valid,
    figures: {
      oversoldUnits,
      oversoldSkus: excess.size,
      negativeStock,
      epcDoubleSold,
      skusSold: sold.size,
      availabilityKnown: region.available === undefined ? 0 : 1,
    },
    evidence: evidence.items,
    explanation: valid
      ? `no oversell in region ${region.region}: ${plural(sold.size, 'SKU')} sold within stock, no serialized unit sold twice`
      : `${plural(oversoldUnits, 'unit')} oversold in region ${region.region} (${plural(excess.size, 'SKU')} beyond stock, ${plural(epcDoubleSold, 'serialized unit')} sold twice, ${plural(negativeStock, 'negative stock reading')})`,
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
