// rfid-cycle-count: stores counting thousands of tags with handheld readers
// (duplicate reads inside a short window, a few tags missed) while a light
// trickle of sales and deliveries changes what is on the shelf.
import type { SyntheticProfile } from '../synthetic/traffic-plan.ts';
import { PROFILE_DEFAULTS } from './profile-defaults.ts';

const d = PROFILE_DEFAULTS['rfid-cycle-count'];

export const rfidCycleCountProfile: SyntheticProfile = {
  name: 'rfid-cycle-count',
  describe: `RFID counts: ${d.readersPerStore} readers per store sweeping ${d.skusPerSession}-SKU departments, duplicate reads`,
  defaults: { durationS: d.durationS, stores: d.stores, skus: d.skus, startTime: d.startTime },
  plan: (options) => ({
    pos: { lanesPerStore: d.lanesPerStore, utilisation: () => d.laneUtilisation },
    web: { ordersPerSecond: () => d.webOrdersPerSecond, peakOrdersPerSecond: d.webOrdersPerSecond },
    storeOps: {
      receivingPerStoreHour: d.receivingPerStoreHour,
      adjustmentsPerStoreHour: d.adjustmentsPerStoreHour,
    },
    rfidCounts: {
      readersPerStore: d.readersPerStore,
      sessionsPerReader: d.sessionsPerReader,
      skusPerSession: d.skusPerSession,
      startSpreadS: options.durationS * d.startSpreadFraction,
    },
  }),
};
