// Orders whose stock the system could not confirm: taken, but backordered rather
// than allocated from stock. Not a broken invariant (a marketplace order or an
// offline sale may rightly be backordered), so it never fails a run on its own;
// a migration playbook bounds it as a KPI (orders with unconfirmed stock ≤ 0.5 %),
// which a scenario asserts with `unconfirmed_stock_rate`.
import { authoritativeState, wasRead } from '../model/final-state.ts';
import { type Checker, type CheckResult, notApplicable, plural } from './checker.ts';

export const STOCK_CONFIRMATION = 'stock-confirmation';

export function stockConfirmationChecker(): Checker {
  return {
    name: STOCK_CONFIRMATION,
    check(_history, state): CheckResult {
      const region = authoritativeState(state);
      if (region === undefined || !wasRead(region, 'orders')) {
        return {
          name: STOCK_CONFIRMATION,
          valid: 'unknown',
          figures: {},
          evidence: [],
          explanation: "the surviving region's orders were not read",
        };
      }
      if (region.orders.length === 0)
        return notApplicable(STOCK_CONFIRMATION, 'the final state holds no order');
      let unconfirmed = 0;
      for (const o of region.orders) {
        if (o.status === 'backordered' || o.lines.some((l) => l.backorderedQty > 0)) unconfirmed++;
      }
      return {
        name: STOCK_CONFIRMATION,
        valid: true,
        figures: {
          orders: region.orders.length,
          unconfirmedOrders: unconfirmed,
          unconfirmedStockRate: unconfirmed / region.orders.length,
        },
        evidence: [],
        explanation: `${plural(unconfirmed, 'order')} of ${region.orders.length} with stock not confirmed (backordered) in region ${state!.authoritativeRegion}`,
      };
    },
  };
}
