// 20% of stores lose their uplink for five minutes; their POS lanes keep
// selling offline within limits and sync when the link returns. Proves every
// offline sale is applied exactly once, with backorders accounted for.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'store-offline',
  description: '20% of stores lose their uplink for five minutes; offline sales sync on reconnect',
  traffic: { profile: 'steady-day', duration: '10m', stores: 20, skus: 2_000 },
  speed: 10,
  fleets: {
    pos: { lanesPerStore: 4, offline: { maxSaleCents: 50_000, maxSales: 500, cardAllowed: true } },
  },
  faults: [
    // The uplink of the affected stores: their lanes reach the store through edge-a.
    { name: 'uplink-down', fault: { kind: 'partition', target: 'edge-a' }, at: '2m', for: '5m' },
  ],
  assertions: {
    offline_sales_lost: '==0',
    offline_sales_double_applied: '==0',
    oversold_units: '==0',
  },
});
