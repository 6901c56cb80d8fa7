// Offline reconciliation: every offline sale the SUT acknowledged is applied
// exactly once, with the tenders rung up, and every unit is accounted for as
// taken from stock (ledger) or backordered. Any sale recorded twice is a
// violation whether or not its upload was acknowledged. A 200 to an upload makes
// the till drop the batch, so every sale in it is acknowledged, listed in the
// answer or not. Unknown when the oracle did not read the orders, offline sales
// or ledger an acknowledged sale needs; not applicable with no offline sale at all.
import { authoritativeState, type FinalOrder, type RegionState, wasRead } from '../model/final-state.ts';
import { type Checker, type CheckResult, EvidenceList, notApplicable, plural } from './checker.ts';
import type { HistoryIndex } from './history-index.ts';
import type { OfflineSaleFact } from './op-facts.ts';
import { PairMap } from './pair-map.ts';
import { regionView } from './region-view.ts';

export const OFFLINE_RECONCILIATION = 'offline-reconciliation';

export function offlineReconciliationChecker(): Checker {
  return {
    name: OFFLINE_RECONCILIATION,
    check(history, state, options): CheckResult {
      const region = authoritativeState(state);
      if (region === undefined) {
        return {
          name: OFFLINE_RECONCILIATION,
          valid: 'unknown',
          figures: {},
          evidence: [],
          explanation: 'no final state was read, so offline sales cannot be reconciled',
        };
      }
      const v = new SaleView(region);
      if (
        history.offlineSyncs.length === 0 &&
        history.refusedOfflineSyncs.length === 0 &&
        v.recorded.size === 0 &&
        v.applications.size === 0
      ) {
        return notApplicable(OFFLINE_RECONCILIATION, 'no offline sale was uploaded or recorded', {
          acknowledged: 0,
        });
      }
      const evidence = new EvidenceList(options.maxEvidence);
      let unverifiable = 0;
      const checked = new Set<string>();
      let acknowledged = 0;
      let lost = 0;
      let tenderMismatches = 0;
      let unaccountedUnits = 0;
      let backorderedUnits = 0;
      const doubled = new Set<string>();

      for (const sync of history.offlineSyncs) {
        for (const sale of sync.sales) {
          // Acknowledged sales are checked; unacknowledged ones may be absent, but not doubled.
          if (sync.status !== 'ok' || checked.has(sale.saleId)) continue;
          checked.add(sale.saleId);
          acknowledged++;
          if (!v.salesRead) {
            unverifiable++;
            continue;
          }
          const orders = v.ordersOf(sale.saleId);
          if (orders.length === 0 && !v.recorded.has(sale.saleId)) {
            lost++;
            evidence.add({
              what:
                sale.ackStatus === undefined
                  ? 'acknowledged offline sale missing (its upload was answered 200 without listing it)'
                  : 'acknowledged offline sale missing',
              key: sale.saleId,
              op: history.opId(sync.op),
            });
            continue;
          }
          const order = orders[0];
          if (order !== undefined && tendersOf(order) !== sale.tenders) {
            tenderMismatches++;
            evidence.add({
              what: 'offline sale recorded with other tenders',
              key: sale.saleId,
              expected: sale.tenders,
              actual: tendersOf(order),
            });
          }
          const u = unitsCheck(sale, order, v);
          // No ledger row can show what a sale that should have taken stock took.
          if (v.taken === undefined && u.asked > u.backordered) unverifiable++;
          backorderedUnits += u.backordered;
          if (u.unaccounted > 0) {
            unaccountedUnits += u.unaccounted;
            if (u.taken > u.asked) doubled.add(sale.saleId);
            evidence.add({
              what: 'offline sale units not accounted for',
              key: sale.saleId,
              expected: `${u.asked} taken or backordered`,
              actual: `${u.taken} taken, ${u.backordered} backordered`,
            });
          }
        }
      }
      // Acknowledged or not (an `info` sync may still have landed), no sale may
      // take more from stock than its order sold.
      if (v.taken) {
        for (const saleId of v.recorded) {
          if (doubled.has(saleId)) continue;
          const order = v.ordersOf(saleId)[0];
          if (!order) continue;
          // Serialized units come one line per unit: a SKU's lines are summed before comparing.
          const sold = new Map<string, number>();
          for (const line of order.lines) {
            sold.set(line.sku, (sold.get(line.sku) ?? 0) + line.qty - line.backorderedQty);
          }
          for (const [sku, qty] of sold) {
            const taken = v.taken.get(saleId, sku) ?? 0;
            if (taken > qty) {
              doubled.add(saleId);
              evidence.add({
                what: 'offline sale took more stock than it sold',
                key: saleId,
                expected: `${qty} of ${sku}`,
                actual: `${taken} taken`,
              });
              break;
            }
          }
        }
      }
      for (const [saleId, n] of v.applications) {
        if (n > 1) {
          doubled.add(saleId);
          evidence.add({ what: 'offline sale applied more than once', key: saleId, actual: n });
        }
      }
      const refused = refusedSales(history, v, checked, evidence);
      const doubleApplied = doubled.size;
      const violations = lost + refused + doubleApplied + tenderMismatches + unaccountedUnits;
      const valid = violations > 0 ? false : unverifiable > 0 || acknowledged === 0 ? 'unknown' : true;
      return {
        name: OFFLINE_RECONCILIATION,
        // Uploads that all went unanswered leave nothing to hold the store to.
        ...(violations === 0 && acknowledged === 0 ? { notApplicable: true as const } : {}),
        valid,
        figures: {
          acknowledged,
          lost,
          refused,
          doubleApplied,
          tenderMismatches,
          unaccountedUnits,
          backorderedUnits,
          unverifiable,
        },
        evidence: evidence.items,
        explanation:
          valid === true
            ? `all ${plural(acknowledged, 'acknowledged offline sale')} applied once with their tenders${backorderedUnits > 0 ? `, ${plural(backorderedUnits, 'unit')} backordered` : ''}`
            : valid === false
              ? `offline sales: ${lost} lost, ${refused} refused with their batch and never recorded, ${doubleApplied} applied twice, ${tenderMismatches} with other tenders, ${plural(unaccountedUnits, 'unit')} unaccounted for`
              : acknowledged === 0
                ? 'no offline upload was acknowledged, so no sale can be held to one; none was recorded twice'
                : `${plural(unverifiable, 'acknowledged offline sale')} cannot be checked: ${v.salesRead ? 'the ledger was not read or names no offline sale' : 'neither the orders nor the offline sales were read'}`,
      };
    },
  };
}

/** The region's offline sales indexed once: orders per sale, ledger units taken per sale and SKU. */
class SaleView {
  private readonly first: Map<string, FinalOrder>;
  private readonly repeated: Map<string, FinalOrder[]>;
  readonly recorded = new Set<string>();
  readonly applications = new Map<string, number>();
  /** sale id → units taken per SKU (−Σ delta). Undefined when the ledger was not read or names no offline sale. */
  readonly taken: PairMap<number> | undefined;
  /** Whether the oracle read where a sale is recorded (orders or offline sales). */
  readonly salesRead: boolean;

  constructor(region: RegionState) {
    this.salesRead = wasRead(region, 'orders') || wasRead(region, 'offlineSales');
    const { bySale, repeatedSales } = regionView(region).orders();
    this.first = bySale;
    this.repeated = repeatedSales;
    for (const [id, list] of repeatedSales) this.applications.set(id, list.length);
    for (const s of region.offlineSales) {
      this.recorded.add(s.saleId);
      if (s.applications > 1)
        this.applications.set(s.saleId, Math.max(this.applications.get(s.saleId) ?? 0, s.applications));
    }
    let taken: PairMap<number> | undefined;
    for (const e of wasRead(region, 'ledger') ? region.ledger : []) {
      if (e.refType !== 'offline-sale') continue;
      taken ??= new PairMap();
      taken.add(e.refId, e.sku, -e.delta);
    }
    this.taken = taken;
  }

  /** The orders recording a sale: usually one. */
  ordersOf(saleId: string): readonly FinalOrder[] {
    const first = this.first.get(saleId);
    return first === undefined ? [] : (this.repeated.get(saleId) ?? [first]);
  }
}

function tendersOf(order: FinalOrder): string {
  return order.tenders
    .map((t) => `${t.type}:${t.amountCents}`)
    .sort()
    .join('|');
}

/** Units asked for vs units taken (ledger) plus backordered (order lines), over every SKU of the sale. */
function unitsCheck(sale: OfflineSaleFact, order: FinalOrder | undefined, v: SaleView) {
  let asked = 0;
  let taken = 0;
  let backordered = 0;
  let unaccounted = 0;
  for (const [sku, qty] of sale.units) {
    let b = 0;
    for (const l of order?.lines ?? []) if (l.sku === sku) b += l.backorderedQty;
    asked += qty;
    backordered += b;
    if (v.taken === undefined) continue;
    const t = v.taken.get(sale.saleId, sku) ?? 0;
    taken += t;
    unaccounted += Math.abs(qty - t - b);
  }
  if (v.taken === undefined) taken = asked - backordered;
  return { asked, taken, backordered, unaccounted };
}

/**
 * Sales sold at a till and then dropped with their batch because the target refused
 * the upload itself (a 4xx): the goods left the store, and no till sends a refused
 * batch again, so a sale the target never recorded is lost. Counted once per sale.
 */
function refusedSales(
  history: HistoryIndex,
  v: SaleView,
  counted: Set<string>,
  evidence: EvidenceList,
): number {
  let refused = 0;
  for (const sync of history.refusedOfflineSyncs) {
    for (const saleId of sync.saleIds) {
      if (counted.has(saleId)) continue;
      counted.add(saleId);
      // Unread orders cannot show the sale absent: the acknowledged-sale path says unknown then.
      if (!v.salesRead || v.ordersOf(saleId).length > 0 || v.recorded.has(saleId)) continue;
      refused++;
      evidence.add({
        what: 'offline sale sold at the till, then refused with its batch and never recorded',
        key: saleId,
        op: history.opId(sync.op),
        actual: `HTTP ${sync.status}${sync.code === undefined ? '' : ` ${sync.code}`} for batch ${sync.batchId}`,
      });
    }
  }
  return refused;
}
