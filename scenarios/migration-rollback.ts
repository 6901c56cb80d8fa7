// The rollback drill: the cutover of migration-cutover, then, as if a rollback
// criterion had fired, writes go back to blue by the same playbook. Blue follows
// green through fallback CDC from the moment green may take writes, so every sale
// green took during its window must be on blue afterwards: lost-acks names any
// that is not, one by one. Both moves are back within 60 s.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'migration-rollback',
  description:
    'Cutover from blue to green, then a rollback drill: writes back to blue with nothing green took lost',
  traffic: { profile: 'holiday-peak', duration: '2m30s', stores: 20, skus: 2_000 },
  speed: 6,
  requires: ['checkout', 'marketplace-webhooks', 'migration'],
  fleets: {
    web: { shoppers: 200 },
    pos: { lanesPerStore: 4 },
    webhooks: { duplicateRate: 0.1, reorderRate: 0.05 },
  },
  faults: [
    {
      // Checkouts arriving in this freeze are held, not refused: they go through once green takes over.
      name: 'cutover-to-green',
      fault: { kind: 'migration-cutover', target: 'b', freeze: '15s', hold: '2s', checkouts: 'hold' },
      at: '30s',
      for: '20s',
    },
    {
      // Green trades for a while (its sales reach blue only through the fallback CDC), then hands back.
      name: 'rollback-to-blue',
      fault: { kind: 'migration-rollback', target: 'a', freeze: '15s', hold: '2s' },
      after: 'cutover-to-green',
      delay: '10s',
      for: '20s',
    },
  ],
  assertions: {
    rto: '<60s',
    lost_acks: '==0',
    oversold_units: '==0',
    duplicate_applies: '==0',
    drift_rate: '<=0.001',
    webhook_failure_rate: '<=0.01',
  },
  store: { topology: 'migration' },
});
