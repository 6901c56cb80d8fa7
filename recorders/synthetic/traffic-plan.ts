// What a profile hands the generator: which traffic sources run, at what
// rates over time. Profiles are declarative plans; the generator owns how a
// plan becomes events, so profiles stay short and comparable.

export interface GenerateOptions {
  readonly profile: string;
  readonly seed: number;
  /** Window length in seconds; default per profile. */
  readonly durationS?: number;
  /** Physical stores (S001...); online orders use S000. Default per profile. */
  readonly stores?: number;
  readonly skus?: number;
  /** ISO time of t = 0; default per profile (a fixed date, never the clock). */
  readonly startTime?: string;
}

export interface ResolvedGenerateOptions {
  readonly profile: string;
  readonly seed: number;
  readonly durationS: number;
  readonly stores: number;
  readonly skus: number;
  readonly startTime: string;
}

/** A rate or share that may change over the window; tS is seconds since t = 0. */
export type OverTime = (tS: number) => number;

export interface TrafficPlan {
  readonly pos?: { readonly lanesPerStore: number; readonly utilisation: OverTime };
  readonly web?: { readonly ordersPerSecond: OverTime; readonly peakOrdersPerSecond: number };
  readonly splitTenderRate?: number;
  /** A limited drop: hot SKUs with little online stock take `share` of web orders. */
  readonly hotDrop?: { readonly skuCount: number; readonly stockOnline: number; readonly share: OverTime };
  /** Bots place this share of hot-SKU orders and retry each with the same idempotency key. */
  readonly bots?: {
    readonly share: number;
    readonly retriesMean: number;
    readonly retryDelayMs: readonly [number, number];
    readonly poolSize: number;
  };
  readonly returns?: { readonly rate: number; readonly exchangeShare: number };
  readonly marketplace?: { readonly ordersPerSecond: number; readonly inventoryPerSecond: number };
  readonly storeOps?: { readonly receivingPerStoreHour: number; readonly adjustmentsPerStoreHour: number };
  readonly priceChanges?: {
    readonly stylesPerHour: number;
    readonly wave?: { readonly atS: number; readonly styleShare: number };
  };
  readonly rfidCounts?: {
    readonly readersPerStore: number;
    readonly sessionsPerReader: number;
    readonly skusPerSession: number;
    readonly startSpreadS: number;
  };
}

export interface SyntheticProfile {
  readonly name: string;
  readonly describe: string;
  readonly defaults: {
    readonly durationS: number;
    readonly stores: number;
    readonly skus: number;
    readonly startTime: string;
  };
  plan(options: ResolvedGenerateOptions): TrafficPlan;
}
