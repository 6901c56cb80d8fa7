// A limited drop at peak: a few hot SKUs, a 20–50× spike within seconds, bots
// retrying, while the primary database's link gets latency spikes. Proves no
// unit is oversold and checkout latency holds during the spikes.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'flash-sale',
  description: 'A hot-SKU drop at peak with database latency spikes on db-a',
  traffic: { profile: 'flash-sale', duration: '6m', stores: 20, skus: 2_000 },
  speed: 5,
  fleets: {
    web: { shoppers: 200 },
    pos: { lanesPerStore: 4 },
    webhooks: { duplicateRate: 0.1, reorderRate: 0.05 },
  },
  faults: [
    {
      name: 'db-spike-1',
      fault: { kind: 'latency', target: 'db-a', latency: '20ms', jitter: '10ms' },
      at: '3m',
      for: '1m',
    },
    {
      name: 'db-spike-2',
      fault: { kind: 'latency', target: 'db-a', latency: '60ms', jitter: '20ms' },
      after: 'db-spike-1',
      delay: '2m',
      for: '30s',
    },
  ],
  assertions: {
    oversold_units: '==0',
    lost_acks: '==0',
    duplicate_applies: '==0',
    'checkout_latency{during:fault}': 'p(99)<2000',
    'checkout_errors{before:fault}': 'rate<0.01',
  },
});
