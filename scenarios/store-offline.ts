// 20% of stores lose their uplink for five minutes; their POS lanes keep
// selling offline within limits and sync when the link returns. Proves every
// offline sale is applied exactly once, with backorders accounted for.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'store-offline',
  description: '20% of stores lose their uplink for five minutes; offline sales sync on reconnect',
  traffic: { profile: 'steady-day', duration: '10m', stores: 20, skus: 2_000 },
  speed: 10,
  requires: ['checkout', 'offline-sync'],
  fleets: {
    pos: {
      lanesPerStore: 4,
      // One offline sale in twenty has an incomplete tender record (half of its last tender).
      offline: { maxSaleCents: 50_000, maxSales: 500, cardAllowed: true, incompleteTenderRate: 0.05 },
    },
  },
  faults: [
    // pos-uplink-1 carries every fifth store (S001, S006, …): 20% of stores go offline
    // while the region and the other stores trade on (src/stack/pos-uplinks.ts).
    { name: 'uplink-down', fault: { kind: 'partition', target: 'pos-uplink-1' }, at: '2m', for: '5m' },
    // As the uplink comes back it is lossy for a while: requests get through but the answers
    // are dropped, so tills upload their offline batches again. A sale must apply once.
    {
      name: 'lossy-uplink',
      fault: {
        kind: 'timeout',
        target: 'pos-uplink-1',
        timeout: '0s',
        direction: 'downstream',
      },
      after: 'uplink-down',
      for: '1m',
    },
  ],
  assertions: {
    offline_sales_lost: '==0',
    offline_sales_double_applied: '==0',
    oversold_units: '==0',
  },
});
