// flash-sale: a limited online drop. A few hot SKUs with little stock; web
// traffic jumps to ~30x baseline within seconds, holds, then decays; bots
// retry their orders with the same idempotency key.
import type { SyntheticProfile } from '../synthetic/traffic-plan.ts';
import { PROFILE_DEFAULTS } from './profile-defaults.ts';

const d = PROFILE_DEFAULTS['flash-sale'];

/** 0 before the drop, ramps to 1 within rampS, holds, then decays exponentially. */
export function dropShape(tS: number, dropAtS: number): number {
  const since = tS - dropAtS;
  if (since < 0) return 0;
  if (since < d.rampS) return since / d.rampS;
  if (since < d.rampS + d.holdS) return 1;
  return Math.exp(-(since - d.rampS - d.holdS) / d.decayTauS);
}

export const flashSaleProfile: SyntheticProfile = {
  name: 'flash-sale',
  describe: `limited drop: ${d.hotSkus} hot SKUs, ${d.hotStockOnline} units each online, web traffic ~${d.spikeMultiplier}x within seconds, retrying bots`,
  defaults: { durationS: d.durationS, stores: d.stores, skus: d.skus, startTime: d.startTime },
  plan: (options) => {
    const dropAtS = options.durationS * d.dropAtFraction;
    // Bot retries add traffic on top of first attempts; scale first attempts
    // down so that all order events together peak at spikeMultiplier x baseline.
    const retryLoad = 1 + d.hotShare * d.botShare * d.botRetriesMean;
    const peakFirstAttempts = (d.webOrdersPerSecond * d.spikeMultiplier) / retryLoad;
    const ordersPerSecond = (tS: number) =>
      d.webOrdersPerSecond + (peakFirstAttempts - d.webOrdersPerSecond) * dropShape(tS, dropAtS);
    return {
      pos: { lanesPerStore: d.lanesPerStore, utilisation: () => d.laneUtilisation },
      web: { ordersPerSecond, peakOrdersPerSecond: Math.max(d.webOrdersPerSecond, peakFirstAttempts) },
      hotDrop: {
        skuCount: d.hotSkus,
        stockOnline: d.hotStockOnline,
        share: (tS) => d.hotShare * Math.min(1, dropShape(tS, dropAtS) * 10),
      },
      bots: {
        share: d.botShare,
        retriesMean: d.botRetriesMean,
        retryDelayMs: d.botRetryDelayMs,
        poolSize: d.botPoolSize,
      },
      marketplace: {
        ordersPerSecond: d.marketplaceOrdersPerSecond,
        inventoryPerSecond: d.marketplaceInventoryPerSecond,
      },
    };
  },
};
