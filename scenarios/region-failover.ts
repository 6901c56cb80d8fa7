// The game day: region a is lost mid-sale, region b takes over, then region a
// comes back (the failback drill). Proves RTO < 60 s, no acknowledged sale
// lost (RPO 0 with synchronous replication) and no oversell across the move.
import { defineScenario } from '../src/model/scenario-schema.ts';

export default defineScenario({
  name: 'region-failover',
  description: 'Region a lost mid-sale, failover to region b, then a failback drill',
  traffic: { profile: 'flash-sale', duration: '6m', stores: 20, skus: 2_000 },
  speed: 5,
  requires: ['checkout', 'failover'],
  fleets: { web: { shoppers: 200 }, pos: { lanesPerStore: 4 } },
  faults: [
    // Replication stalls just before the region is lost: with synchronous commit no sale
    // is acknowledged that region b cannot have; a store that acknowledges early loses them.
    {
      name: 'replication-lag',
      fault: { kind: 'replication-pause', target: 'repl-ab' },
      at: '2m55s',
      for: '10s',
    },
    // Region a stays lost until region b sells again (at most 20 scenario minutes), as a game
    // day holds the outage until failover completes; then region a rejoins, fenced.
    {
      name: 'lose-region-a',
      fault: { kind: 'region-loss', target: 'a' },
      at: '3m',
      for: '20m',
      while: { probe: 'checkout', state: 'failing' },
    },
    {
      name: 'failback-latency',
      fault: { kind: 'latency', target: 'edge-b', latency: '50ms' },
      after: 'lose-region-a',
      delay: '30s',
      for: '30s',
    },
  ],
  assertions: {
    rto: '<60s',
    lost_acks: '==0',
    oversold_units: '==0',
    duplicate_applies: '==0',
  },
  store: { replication: 'sync', failover: 'auto', detection: '3s' },
});
