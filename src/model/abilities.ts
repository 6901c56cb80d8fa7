// What a target can be asked to do: the words scenarios use to say what they
// cannot run without, and targets to say what they have. Ops its codec carries
// (checkout … scans) and controls (reset-seed: start from a known catalog;
// failover: a standby can take over; failback: a lost region can be resynchronised
// and made the writer again; migration: a second copy of the system (green) fed by
// CDC from the first (blue) can take over in a cutover; event-stream: its stock changes are
// published on a topic peakdrill can read).
export const ABILITIES = [
  'checkout',
  'returns',
  'exchanges',
  'stock-reads',
  'marketplace-webhooks',
  'offline-sync',
  'scans',
  'reset-seed',
  'failover',
  'failback',
  'migration',
  'event-stream',
] as const;
export type Ability = (typeof ABILITIES)[number];
