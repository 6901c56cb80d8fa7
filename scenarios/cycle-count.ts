// Stores count their stock with RFID while the lanes keep selling, receiving goes
// on, and the Kafka link stutters: reads arrive duplicated, in bursts and out of
// order, and counts reach the store seconds after the shelf was counted. Proves
// every scan is applied once and in sequence (no stale count overwrites newer
// stock), that no count puts back units sold after it was taken, and that ledger
// and stock counters agree afterwards.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'cycle-count',
  description: 'RFID cycle counts with duplicate and reordered reads while the Kafka link stutters',
  // Few SKUs and stores, so the same shelf is counted again within the window and
  // sold from while its count is on the way (speed 20 packs the sales between them).
  traffic: { profile: 'rfid-cycle-count', duration: '10m', stores: 2, skus: 60 },
  speed: 20,
  requires: ['scans'],
  fleets: { rfid: { readersPerStore: 2, duplicateRate: 0.2, reorderRate: 0.3 }, scanners: { perStore: 1 } },
  faults: [
    {
      name: 'kafka-stutter',
      // A second or more per fetch: counts are applied seconds after they were taken.
      fault: { kind: 'latency', target: 'kafka', latency: '1s', jitter: '500ms' },
      at: '1m',
      for: '8m',
    },
  ],
  assertions: {
    stale_overwrites: '==0',
    duplicate_applies: '==0',
    drift_rate: '==0',
    erased_sale_units: '==0',
  },
});
