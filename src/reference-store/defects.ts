// The seeded defects of the reference store: their names, what each breaks,
// and the one switch the store consults. Each defect is tested for at exactly
// one spot in the code (search for its property name), next to the correct path.

export const DEFECT_NAMES = [
  'oversell-race',
  'webhook-no-dedupe',
  'ack-before-replicate',
  'slow-failover',
  'unordered-scans',
  'offline-double-apply',
  'refund-overflow',
  'rejoin-crash',
  'outbox-skip',
  'count-erases-sales',
  'offline-strict-tenders',
  'rejoin-as-primary',
  'webhook-ledger-skip',
  'idempotency-unlogged',
  'freeze-leak',
  'webhook-queue-in-memory',
] as const;

export type DefectName = (typeof DEFECT_NAMES)[number];

/** One line per defect, for `--defect` help text and reports. */
export const DEFECT_DESCRIPTIONS: Readonly<Record<DefectName, string>> = {
  'oversell-race':
    'checkout reads stock, then writes the decremented value back without a lock: concurrent sales of one SKU lose updates and oversell',
  'webhook-no-dedupe':
    'marketplace webhook deliveries are applied every time, ignoring event ids and sequences',
  'ack-before-replicate':
    'checkout commits with synchronous_commit = local, so a sale is acknowledged before the standby has it',
  'slow-failover': 'region b takes over writes only after 90 s of region a being unhealthy',
  'unordered-scans':
    'scan events are applied in arrival order, so a stale cycle count overwrites newer stock',
  'offline-double-apply': 'a retried offline batch applies its stock effects again for sales already synced',
  'refund-overflow':
    'returns read returned quantities and tender balances without locking the order, so retried or concurrent refunds pay tenders out beyond what they took',
  'rejoin-crash':
    'a former primary that restarts after the other region took over exits instead of starting fenced, so its region never serves again after a failback',
  'outbox-skip':
    'the outbox relay sends at most 100 events of a batch but moves its cursor past the whole batch: after a burst (the seed, a backlog) committed mutations are never published',
  'count-erases-sales':
    'a cycle count sets stock to the counted level as it is applied, so sales made between the count and its application are undone',
  'rejoin-as-primary':
    'a former primary that restarts after the other region took over skips the fence check and takes writes again on its own, divergent database: two primaries (split brain) until the failback',
  'webhook-ledger-skip':
    'a redelivered marketplace webhook is recognised as a duplicate only by the ledger insert: its stock update runs again with no ledger entry, so stock drifts from the books',
  'idempotency-unlogged':
    'the idempotency keys table is UNLOGGED (no WAL, faster checkouts), so it never reaches the standby: after a failover a checkout re-sent with its key sells again',
  'freeze-leak':
    'a cutover freeze holds checkouts but not POS offline uploads: a till that syncs during the freeze writes to the legacy database after CDC drained, so the new system never gets those sales',
  'webhook-queue-in-memory':
    'webhooks arriving during a cutover freeze are held in the legacy process’s memory instead of on Kafka and answered 202 queued; the new system never sees them',
  'offline-strict-tenders':
    'an offline batch holding one sale whose tenders do not add up to its lines is refused whole (400), so every sale in it, already sold at the till, is never recorded',
};

/** How long `slow-failover` waits before region b takes over. */
export const SLOW_FAILOVER_MS = 90_000;

export function isDefectName(value: string): value is DefectName {
  return (DEFECT_NAMES as readonly string[]).includes(value);
}

/** The store's defect switches; all false for the correct store. */
export class DefectSwitches {
  readonly active: DefectName | undefined;
  readonly oversellRace: boolean;
  readonly webhookNoDedupe: boolean;
  readonly ackBeforeReplicate: boolean;
  readonly slowFailover: boolean;
  readonly unorderedScans: boolean;
  readonly offlineDoubleApply: boolean;
  readonly refundOverflow: boolean;
  readonly rejoinCrash: boolean;
  readonly outboxSkip: boolean;
  readonly countErasesSales: boolean;
  readonly offlineStrictTenders: boolean;
  readonly rejoinAsPrimary: boolean;
  readonly webhookLedgerSkip: boolean;
  readonly idempotencyUnlogged: boolean;
  readonly freezeLeak: boolean;
  readonly webhookQueueInMemory: boolean;

  constructor(active: DefectName | undefined) {
    this.active = active;
    this.oversellRace = active === 'oversell-race';
    this.webhookNoDedupe = active === 'webhook-no-dedupe';
    this.ackBeforeReplicate = active === 'ack-before-replicate';
    this.slowFailover = active === 'slow-failover';
    this.unorderedScans = active === 'unordered-scans';
    this.offlineDoubleApply = active === 'offline-double-apply';
    this.refundOverflow = active === 'refund-overflow';
    this.rejoinCrash = active === 'rejoin-crash';
    this.outboxSkip = active === 'outbox-skip';
    this.countErasesSales = active === 'count-erases-sales';
    this.offlineStrictTenders = active === 'offline-strict-tenders';
    this.rejoinAsPrimary = active === 'rejoin-as-primary';
    this.webhookLedgerSkip = active === 'webhook-ledger-skip';
    this.idempotencyUnlogged = active === 'idempotency-unlogged';
    this.freezeLeak = active === 'freeze-leak';
    this.webhookQueueInMemory = active === 'webhook-queue-in-memory';
  }
}
