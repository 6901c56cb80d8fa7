// holiday-peak: hours of high trading across the whole catalog — online
// demand in a slow hump, every till busy, marketplace traffic, a doorbuster
// markdown wave, deliveries and adjustments.
import type { SyntheticProfile } from '../synthetic/traffic-plan.ts';
import { PROFILE_DEFAULTS } from './profile-defaults.ts';

const d = PROFILE_DEFAULTS['holiday-peak'];

export const holidayPeakProfile: SyntheticProfile = {
  name: 'holiday-peak',
  describe:
    'Black Friday: web demand in a slow hump at ~6x a steady day, tills at 95%, markdown wave, marketplaces',
  defaults: { durationS: d.durationS, stores: d.stores, skus: d.skus, startTime: d.startTime },
  plan: (options) => {
    const peak = d.webOrdersPerSecond;
    // Rises to the peak mid-window and falls back by webHumpDepth at the edges.
    const ordersPerSecond = (tS: number) =>
      peak * (1 - d.webHumpDepth + d.webHumpDepth * Math.sin((Math.PI * tS) / options.durationS));
    return {
      pos: { lanesPerStore: d.lanesPerStore, utilisation: () => d.laneUtilisation },
      web: { ordersPerSecond, peakOrdersPerSecond: peak },
      returns: { rate: d.returnRate, exchangeShare: d.exchangeShare },
      marketplace: {
        ordersPerSecond: d.marketplaceOrdersPerSecond,
        inventoryPerSecond: d.marketplaceInventoryPerSecond,
      },
      storeOps: {
        receivingPerStoreHour: d.receivingPerStoreHour,
        adjustmentsPerStoreHour: d.adjustmentsPerStoreHour,
      },
      priceChanges: {
        stylesPerHour: d.markdownStylesPerHour,
        wave: {
          atS: Math.min(d.markdownWaveAtS, options.durationS / 2),
          styleShare: d.markdownWaveStyleShare,
        },
      },
    };
  },
};
