// Marketplace webhooks at 10× volume with duplicates and reordering, delivered
// at least once. Proves duplicates and stale sequences change nothing.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'webhook-storm',
  description: 'Marketplace duplicates and reordering at 10x volume',
  traffic: { profile: 'steady-day', duration: '5m', stores: 10, skus: 1_000 },
  speed: 10,
  fleets: { webhooks: { duplicateRate: 0.3, reorderRate: 0.2, volume: 10 } },
  faults: [
    {
      name: 'flaky-edge',
      fault: { kind: 'reset-peer', target: 'edge-a', toxicity: 0.2 },
      at: '1m',
      for: '2m',
    },
  ],
  assertions: {
    duplicate_applies: '==0',
    stale_overwrites: '==0',
    drift_rate: '==0',
  },
});
