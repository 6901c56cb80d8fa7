// Every number the synthetic generator assumes, in one place, each with where
// it comes from or a plain "assumption". Profiles read these; tests check the
// generated statistics against them, so a change here is a change of contract.
import type { TenderType } from '../../src/model/recording-schema.ts';

/** Shapes shared by every profile: baskets, tenders, lanes, catalog. */
export const SHOPPING_DEFAULTS = {
  // Federal Reserve Financial Services, 2024 Diary of Consumer Payment Choice
  // (payments made in 2023): credit 32%, debit 30%, cash 16% by number. The
  // remaining 22% is split between gift cards and store credit: assumption for
  // a fashion retailer (the Diary's "other" is mostly ACH and bill pay, which
  // do not occur at a till).
  posTenderMix: { card: 0.32, debit: 0.3, cash: 0.16, gift_card: 0.13, store_credit: 0.09 } satisfies Record<
    TenderType,
    number
  >,
  // Online checkouts take no cash: the in-store mix with cash removed and the
  // rest renormalised. Assumption.
  webTenderMix: {
    card: 0.381,
    debit: 0.357,
    cash: 0,
    gift_card: 0.155,
    store_credit: 0.107,
  } satisfies Record<TenderType, number>,
  // Share of orders paid with two tenders (typically a gift card plus a card). Assumption.
  splitTenderRate: 0.08,
  // Distinct lines per basket: 1 + geometric, mean 1.9, capped. With the
  // quantity mix below this gives ~2.2 units per transaction, in the 2-2.5 UPT
  // range commonly quoted for apparel retail. Assumption.
  meanLinesPerBasket: 1.9,
  maxLinesPerBasket: 12,
  // Units on one line: mostly singles. Assumption.
  lineQtyWeights: [0.85, 0.12, 0.03] as const,
  // POS lane cadence: about 45 customers per lane per hour at full use, i.e. a
  // ~80 s transaction cycle (industry rule of thumb for staffed apparel tills;
  // the project brief). Cycle-time spread (coefficient of variation): assumption.
  posCustomersPerLaneHour: 45,
  posCycleCv: 0.4,
  // Share of POS customers who identify with a loyalty account. Assumption.
  posLoyaltyShare: 0.35,
  // Customer accounts shoppers are drawn from (repeat customers). Assumption.
  customerPoolSize: 50_000,
} as const;

/** The synthetic catalog: sizes, prices, stock, RFID tagging. */
export const CATALOG_DEFAULTS = {
  // Sizes per style (XS-XXL); SKUs of one style share a price, which is what
  // makes a size exchange even money until a markdown. Assumption.
  sizesPerStyle: 6,
  // Demand across SKUs follows Zipf with exponent 1, which puts ~80% of units
  // on the top 20% of SKUs (the Pareto shape usually quoted for retail
  // assortments). Assumption.
  zipfExponent: 1,
  // Lognormal style prices: median $39.99, spread 0.6; prices end in .99. Assumption.
  medianPriceCents: 3999,
  priceSigma: 0.6,
  minPriceCents: 499,
  // Share of styles carrying RFID tags (apparel is the most tagged category). Assumption.
  rfidTaggedShare: 0.7,
  // Stock: 1.5x the demand the profile expects over the window, never below a
  // store's size-curve minimum or a small online floor. Assumption.
  stockCover: 1.5,
  minStockPerStore: 8,
  minStockOnline: 50,
  // GS1's documentation example company prefix, used in every generated EPC.
  gs1CompanyPrefix: 614_141,
} as const;

/** Follow-up behaviour: returns and exchanges. */
export const RETURN_DEFAULTS = {
  // Share of an order's lines that come back when it is returned. Assumption.
  lineReturnProbability: 0.7,
  // Online orders returned at a store counter rather than by mail. Assumption.
  webReturnInStoreShare: 0.4,
  // Real returns lag by days; a recording lasts minutes to hours, so returns
  // point at orders earlier in the same recording (the SUT must know the
  // order) and land uniformly in the time left, at least this far along.
  minDelayFraction: 0.02,
  // Return reasons, fit first: fit and size lead fashion return reasons in
  // retailer surveys. Weights are an assumption.
  reasons: [
    ['wrong-size', 0.55],
    ['changed-mind', 0.2],
    ['not-as-described', 0.15],
    ['damaged', 0.1],
  ] as const,
} as const;

/** Marketplace webhooks: at-least-once delivery with jittered latency. */
export const MARKETPLACE_DEFAULTS = {
  names: ['amazon', 'ebay', 'zalando'] as const,
  // Delivery latency after the marketplace event: lognormal, mean 800 ms,
  // heavy spread so some deliveries overtake earlier ones. Assumption.
  latencyMeanMs: 800,
  latencyCv: 1.2,
  // Share of webhooks delivered twice (at-least-once delivery after a missed
  // or slow acknowledgement). Assumption.
  redeliveryRate: 0.05,
  redeliveryDelayMs: [5_000, 60_000] as const,
} as const;

/** Store operations: deliveries, adjustments, price changes. */
export const STORE_OPS_DEFAULTS = {
  // SKUs per delivery and units per carton (case packs of 6/12/24). Assumption.
  skusPerDelivery: [4, 16] as const,
  casePacks: [6, 12, 24] as const,
  // Seconds between scanned cartons of one delivery. Assumption.
  cartonScanGapS: [2, 10] as const,
  adjustmentReasons: [
    ['damaged', 0.5],
    ['theft', 0.2],
    ['found', 0.15],
    ['correction', 0.15],
  ] as const,
  // Markdowns take 20-40% off a style. Assumption.
  markdownRange: [0.2, 0.4] as const,
} as const;

/** RFID cycle counts with handheld readers. */
export const RFID_DEFAULTS = {
  // Handheld sweep speed in tags per second (readers can do far more; people
  // walking fixtures do not). Assumption.
  readsPerSecond: 25,
  // Share of tags read in one sweep: RFID counts are quoted at 95-99% accuracy
  // (Auburn University RFID Lab studies). 0.97: assumption within that range.
  readRate: 0.97,
  // Extra reports of the same tag (same EPC, same reader) within the window,
  // before the reader's de-duplication: mean 0.5 per read, inside 3 s. Assumption.
  duplicateMean: 0.5,
  duplicateWindowMs: 3_000,
  // RSSI in dBm, normal around -55 with spread 8. Assumption.
  rssiMeanDbm: -55,
  rssiSdDbm: 8,
  // Seconds walking between fixtures (one SKU to the next). Assumption.
  fixtureGapS: [0.5, 3] as const,
} as const;

/** Per-profile figures. */
export const PROFILE_DEFAULTS = {
  'steady-day': {
    durationS: 3_600,
    stores: 10,
    skus: 2_000,
    startTime: '2025-10-14T15:00:00.000Z',
    // Online orders per second for a mid-size fashion retailer. Assumption.
    webOrdersPerSecond: 2,
    lanesPerStore: 6,
    // Share of the 45/h lane cadence in use on an ordinary weekday. Assumption.
    laneUtilisation: 0.55,
    marketplaceOrdersPerSecond: 0.2,
    marketplaceInventoryPerSecond: 0.1,
    // Compressed in-window returns (see RETURN_DEFAULTS.minDelayFraction). Assumption.
    returnRate: 0.05,
    exchangeShare: 0.25,
    receivingPerStoreHour: 1,
    adjustmentsPerStoreHour: 1,
    markdownStylesPerHour: 4,
  },
  'flash-sale': {
    durationS: 600,
    stores: 10,
    skus: 2_000,
    startTime: '2025-11-21T15:00:00.000Z',
    webOrdersPerSecond: 4,
    lanesPerStore: 6,
    laneUtilisation: 0.6,
    // The drop: a handful of SKUs with little stock, online only. Assumption.
    hotSkus: 5,
    hotStockOnline: 300,
    // Drop opens 20% into the window; traffic reaches its peak within seconds,
    // holds, then decays as stock runs out and shoppers give up. Assumption.
    dropAtFraction: 0.2,
    rampS: 5,
    holdS: 60,
    decayTauS: 90,
    // Peak-second traffic over baseline: the project brief's 20-50x band; 30x
    // is an assumption inside it.
    spikeMultiplier: 30,
    // Share of orders during the drop that target the hot SKUs. Assumption.
    hotShare: 0.9,
    // Share of hot-SKU orders placed by bots, which retry with the same
    // idempotency key. Assumption.
    botShare: 0.35,
    botRetriesMean: 2,
    botRetryDelayMs: [250, 2_000] as const,
    botPoolSize: 200,
    marketplaceOrdersPerSecond: 0.1,
    marketplaceInventoryPerSecond: 0.1,
  },
  'holiday-peak': {
    durationS: 3_600,
    stores: 20,
    skus: 5_000,
    startTime: '2025-11-28T14:00:00.000Z',
    // Black Friday online peak: 6x the steady day, in a slow hump. Assumption.
    webOrdersPerSecond: 12,
    webHumpDepth: 0.2,
    lanesPerStore: 8,
    laneUtilisation: 0.95,
    marketplaceOrdersPerSecond: 1,
    marketplaceInventoryPerSecond: 0.5,
    returnRate: 0.02,
    exchangeShare: 0.25,
    receivingPerStoreHour: 1,
    adjustmentsPerStoreHour: 2,
    // Doorbuster markdowns on 5% of styles 30 s in, then a trickle. Assumption.
    markdownWaveAtS: 30,
    markdownWaveStyleShare: 0.05,
    markdownStylesPerHour: 2,
  },
  'returns-wave': {
    durationS: 3_600,
    stores: 10,
    skus: 2_000,
    startTime: '2026-01-05T15:00:00.000Z',
    webOrdersPerSecond: 2,
    lanesPerStore: 6,
    laneUtilisation: 0.5,
    // Fashion return rates run 17-25% of orders (project brief; NRF and Happy
    // Returns put all-retail returns at 16.9% of 2024 sales, 17% higher over
    // the holidays, and apparel above average). 0.21: assumption in the band.
    returnRate: 0.21,
    // Share of returns handled as size exchanges. Assumption.
    exchangeShare: 0.3,
    // January gift-card redemption raises split-tender orders, hence
    // multi-tender refunds. Assumption.
    splitTenderRate: 0.2,
    marketplaceOrdersPerSecond: 0.1,
    marketplaceInventoryPerSecond: 0.05,
    receivingPerStoreHour: 0.5,
    adjustmentsPerStoreHour: 1,
  },
  'rfid-cycle-count': {
    durationS: 1_800,
    stores: 10,
    skus: 2_000,
    startTime: '2025-09-02T11:00:00.000Z',
    webOrdersPerSecond: 0.5,
    lanesPerStore: 4,
    // Counts run while the store trades, so sales land on shelves being counted. Assumption.
    laneUtilisation: 0.6,
    readersPerStore: 2,
    sessionsPerReader: 2,
    // SKUs (one department) per sweep: ~150 SKUs x 8+ units = 1,200+ tags. Assumption.
    skusPerSession: 150,
    // Sessions start within the first 30% of the window. Assumption.
    startSpreadFraction: 0.3,
    receivingPerStoreHour: 2,
    adjustmentsPerStoreHour: 2,
  },
} as const;
