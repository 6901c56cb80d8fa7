// Store uplinks: POS lanes reach the store API through one of a few uplink
// proxies (pos-uplink-1 … pos-uplink-5, each chained in front of edge-a), one
// per fifth of the stores, so a fault can take 20% of stores offline without
// cutting the region's edge (which would look like a regional outage and start
// a failover). Pure, so the store-to-uplink mapping is tested without a stack.

export const POS_UPLINK_COUNT = 5;
export const POS_UPLINK_PREFIX = 'pos-uplink-';

export function posUplinkNames(): string[] {
  return Array.from({ length: POS_UPLINK_COUNT }, (_, i) => `${POS_UPLINK_PREFIX}${i + 1}`);
}

/** S001 → pos-uplink-1 … S005 → pos-uplink-5, S006 → pos-uplink-1; undefined for a store without a number. */
export function posUplinkOf(store: string): string | undefined {
  const n = /(\d+)$/.exec(store)?.[1];
  if (n === undefined || Number(n) === 0) return undefined;
  return `${POS_UPLINK_PREFIX}${((Number(n) - 1) % POS_UPLINK_COUNT) + 1}`;
}
