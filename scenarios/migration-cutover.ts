// The legacy-to-new cutover, rehearsed at peak trading (holiday-peak, marketplaces
// busy): blue (the legacy store on its own PostgreSQL) runs while green (the new
// one, on another) follows by change data capture; then writes freeze, CDC drains,
// green takes over and the edge moves, and the marketplace webhooks queued on Kafka
// during the freeze are replayed into green. Proves the playbook's promises: the
// cutover is back within 60 s, no acknowledged sale is left on blue (RPO 0), no
// queued webhook lost, nothing oversold or applied twice.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'migration-cutover',
  description: 'Legacy (blue) to new (green) cutover with CDC, a freeze window and queued webhooks replayed',
  traffic: { profile: 'holiday-peak', duration: '2m', stores: 20, skus: 2_000 },
  speed: 6,
  requires: ['checkout', 'marketplace-webhooks', 'migration'],
  fleets: {
    web: { shoppers: 200 },
    pos: { lanesPerStore: 4 },
    webhooks: { duplicateRate: 0.1, reorderRate: 0.05 },
  },
  faults: [
    {
      // Writes freeze for at least 4 s (the window the playbook announces) and at most 15 s,
      // or the cutover rolls back. Both are wall-clock: a drain does not go faster with the replay.
      name: 'cutover-to-green',
      fault: { kind: 'migration-cutover', target: 'b', freeze: '15s', hold: '4s' },
      at: '40s',
      for: '30s',
    },
  ],
  assertions: {
    rto: '<60s',
    lost_acks: '==0',
    oversold_units: '==0',
    duplicate_applies: '==0',
    // The playbook's KPIs: drift within 0.1 %, webhook failures within 1 %, backlog within
    // 1,000, orders with unconfirmed stock within 0.5 %.
    drift_rate: '<=0.001',
    webhook_failure_rate: '<=0.01',
    replay_backlog: '<=1000',
    unconfirmed_stock_rate: '<=0.005',
  },
  store: { topology: 'migration' },
});
