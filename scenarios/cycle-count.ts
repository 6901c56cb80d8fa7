// Stores count their stock with RFID while receiving goes on, and the Kafka
// link stutters: reads arrive duplicated, in bursts and out of order. Proves
// every scan is applied once and in sequence (no stale count overwrites newer
// stock) and that ledger and stock counters agree afterwards.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'cycle-count',
  description: 'RFID cycle counts with duplicate and reordered reads while the Kafka link stutters',
  // Few SKUs and stores, so the same shelf is counted again within the window.
  traffic: { profile: 'rfid-cycle-count', duration: '10m', stores: 2, skus: 60 },
  speed: 10,
  fleets: { rfid: { readersPerStore: 2, duplicateRate: 0.2, reorderRate: 0.3 }, scanners: { perStore: 1 } },
  faults: [
    {
      name: 'kafka-stutter',
      fault: { kind: 'latency', target: 'kafka', latency: '200ms', jitter: '150ms' },
      at: '3m',
      for: '3m',
    },
  ],
  assertions: {
    stale_overwrites: '==0',
    duplicate_applies: '==0',
    drift_rate: '==0',
  },
});
