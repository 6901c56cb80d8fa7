// Post-peak returns and exchanges with multi-tender refunds while region a
// fails over. Proves no refund ever exceeds what was tendered, per tender and
// per order, across retries and the region move.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'returns-under-failover',
  description: 'Returns and exchanges with multi-tender refunds across a failover',
  traffic: { profile: 'returns-wave', duration: '10m', stores: 20, skus: 2_000 },
  speed: 10,
  // One return in five is double-tapped at the till: two refunds of one return race.
  requires: ['checkout', 'returns', 'failover'],
  fleets: { pos: { lanesPerStore: 2, doubleSubmitRate: 0.2 }, web: { shoppers: 50 } },
  faults: [{ name: 'lose-region-a', fault: { kind: 'region-loss', target: 'a' }, at: '4m', for: '2m' }],
  assertions: {
    refund_over_tender: '==0',
    lost_acks: '==0',
    rto: '<60s',
  },
});
