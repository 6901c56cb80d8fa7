// Marketplace webhooks at 10× volume with duplicates and reordering, delivered
// at least once. The volume comes from compressing 50 minutes of trading into
// 30 s (speed 100, ten times the other scenarios' rate), so the storm carries
// its orders, returns and stock moves along with it. Proves duplicates and
// stale sequences change nothing.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'webhook-storm',
  description: 'Marketplace duplicates and reordering at 10x volume',
  traffic: { profile: 'steady-day', duration: '50m', stores: 10, skus: 1_000 },
  speed: 100,
  requires: ['marketplace-webhooks'],
  fleets: { webhooks: { duplicateRate: 0.3, reorderRate: 0.2 } },
  faults: [
    {
      name: 'flaky-edge',
      fault: { kind: 'reset-peer', target: 'edge-a', toxicity: 0.2 },
      at: '10m',
      for: '20m',
    },
  ],
  assertions: {
    duplicate_applies: '==0',
    stale_overwrites: '==0',
    drift_rate: '==0',
  },
});
