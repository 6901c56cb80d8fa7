// steady-day: an ordinary weekday — flat online demand, tills at half use,
// a few marketplace webhooks, deliveries, adjustments, markdowns and returns.
import type { SyntheticProfile } from '../synthetic/traffic-plan.ts';
import { PROFILE_DEFAULTS } from './profile-defaults.ts';

const d = PROFILE_DEFAULTS['steady-day'];

export const steadyDayProfile: SyntheticProfile = {
  name: 'steady-day',
  describe: 'ordinary trading: flat web demand, tills at ~55% of the 45/h cadence, light store operations',
  defaults: { durationS: d.durationS, stores: d.stores, skus: d.skus, startTime: d.startTime },
  plan: () => ({
    pos: { lanesPerStore: d.lanesPerStore, utilisation: () => d.laneUtilisation },
    web: { ordersPerSecond: () => d.webOrdersPerSecond, peakOrdersPerSecond: d.webOrdersPerSecond },
    returns: { rate: d.returnRate, exchangeShare: d.exchangeShare },
    marketplace: {
      ordersPerSecond: d.marketplaceOrdersPerSecond,
      inventoryPerSecond: d.marketplaceInventoryPerSecond,
    },
    storeOps: {
      receivingPerStoreHour: d.receivingPerStoreHour,
      adjustmentsPerStoreHour: d.adjustmentsPerStoreHour,
    },
    priceChanges: { stylesPerHour: d.markdownStylesPerHour },
  }),
};
