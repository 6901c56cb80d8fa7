// returns-wave: the weeks after the peak — ordinary sales, and 17-25% of
// orders coming back as returns or size exchanges, many paid with a gift card
// plus a card, so refunds spread over several tenders.
import type { SyntheticProfile } from '../synthetic/traffic-plan.ts';
import { PROFILE_DEFAULTS } from './profile-defaults.ts';

const d = PROFILE_DEFAULTS['returns-wave'];

export const returnsWaveProfile: SyntheticProfile = {
  name: 'returns-wave',
  describe: `post-peak returns: ${Math.round(d.returnRate * 100)}% of orders returned or exchanged, multi-tender refunds`,
  defaults: { durationS: d.durationS, stores: d.stores, skus: d.skus, startTime: d.startTime },
  plan: () => ({
    pos: { lanesPerStore: d.lanesPerStore, utilisation: () => d.laneUtilisation },
    web: { ordersPerSecond: () => d.webOrdersPerSecond, peakOrdersPerSecond: d.webOrdersPerSecond },
    splitTenderRate: d.splitTenderRate,
    returns: { rate: d.returnRate, exchangeShare: d.exchangeShare },
    marketplace: {
      ordersPerSecond: d.marketplaceOrdersPerSecond,
      inventoryPerSecond: d.marketplaceInventoryPerSecond,
    },
    storeOps: {
      receivingPerStoreHour: d.receivingPerStoreHour,
      adjustmentsPerStoreHour: d.adjustmentsPerStoreHour,
    },
  }),
};
