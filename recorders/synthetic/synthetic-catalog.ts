// The catalog a generated recording assumes (SKUs, style prices, RFID tags,
// initial stock per store and online) and the Zipf demand over it. Built first
// from the recording's PRNG, so catalogFor() and the events always agree.
import { CATALOG_DEFAULTS } from '../profiles/profile-defaults.ts';
import type { SeededRandom } from './seeded-random.ts';

export const ONLINE_LOCATION = 'S000';

export interface CatalogSku {
  readonly sku: string;
  readonly priceCents: number;
  /** SKUs of one style are sizes of one garment and share a price. */
  readonly style: number;
  readonly rfidTagged: boolean;
  /** A flash-sale drop SKU: online only, limited stock. */
  readonly hot: boolean;
  /** Units on hand at each physical store at t = 0. */
  readonly stockPerStore: number;
  /** Units on hand at the online location (S000) at t = 0. */
  readonly stockOnline: number;
}

export interface SyntheticCatalog {
  readonly onlineLocation: typeof ONLINE_LOCATION;
  readonly stores: readonly string[];
  readonly skus: readonly CatalogSku[];
}

export interface CatalogSpec {
  readonly stores: number;
  readonly skus: number;
  readonly hotSkuCount: number;
  readonly hotStockOnline: number;
  /** Units the profile expects one store to sell over the window (for stocking). */
  readonly expectedUnitsPerStore: number;
  readonly expectedUnitsOnline: number;
}

export interface DemandModel {
  readonly catalog: SyntheticCatalog;
  /** Cumulative Zipf weights by SKU index; hot SKUs weigh nothing here. */
  readonly popularity: Float64Array;
  readonly hotSkuIndexes: readonly number[];
  /** Cumulative Zipf weights over hotSkuIndexes. */
  readonly hotPopularity: Float64Array;
}

export function skuId(index: number): string {
  return `SKU-${String(index + 1).padStart(6, '0')}`;
}

/** Store number 0 is the online location; 1..n are physical stores. */
export function storeId(storeNumber: number): string {
  return `S${String(storeNumber).padStart(3, '0')}`;
}

export function buildDemandModel(random: SeededRandom, spec: CatalogSpec): DemandModel {
  const { sizesPerStyle, medianPriceCents, priceSigma, minPriceCents, rfidTaggedShare, zipfExponent } =
    CATALOG_DEFAULTS;
  const styleCount = Math.ceil(spec.skus / sizesPerStyle);
  const stylePrice = new Int32Array(styleCount);
  const styleTagged = new Uint8Array(styleCount);
  for (let style = 0; style < styleCount; style++) {
    stylePrice[style] = charmPrice(medianPriceCents * Math.exp(priceSigma * random.normal()), minPriceCents);
    styleTagged[style] = random.chance(rfidTaggedShare) ? 1 : 0;
  }

  // A seeded permutation decides which SKUs sell best, so SKU-000001 is not
  // always the bestseller; the first hotSkuCount of it are the drop.
  const order = new Int32Array(spec.skus);
  for (let i = 0; i < spec.skus; i++) order[i] = i;
  for (let i = spec.skus - 1; i > 0; i--) {
    const j = random.int(0, i);
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  const hotSkuIndexes = Array.from(order.subarray(0, spec.hotSkuCount)).sort((a, b) => a - b);
  const weights = new Float64Array(spec.skus);
  for (let position = spec.hotSkuCount; position < spec.skus; position++) {
    weights[order[position]!] = 1 / (position - spec.hotSkuCount + 1) ** zipfExponent;
  }
  const popularity = cumulative(weights);
  const totalWeight = popularity[popularity.length - 1]!;
  const hotPopularity = cumulative(
    Float64Array.from(hotSkuIndexes, (_, rank) => 1 / (rank + 1) ** zipfExponent),
  );

  const hot = new Set(hotSkuIndexes);
  const skus: CatalogSku[] = [];
  for (let index = 0; index < spec.skus; index++) {
    const style = Math.floor(index / sizesPerStyle);
    const share = totalWeight > 0 ? weights[index]! / totalWeight : 0;
    const isHot = hot.has(index);
    skus.push({
      sku: skuId(index),
      priceCents: stylePrice[style]!,
      style,
      rfidTagged: styleTagged[style] === 1,
      hot: isHot,
      stockPerStore: isHot
        ? 0
        : stockFor(share, spec.expectedUnitsPerStore, CATALOG_DEFAULTS.minStockPerStore),
      stockOnline: isHot
        ? spec.hotStockOnline
        : stockFor(share, spec.expectedUnitsOnline, CATALOG_DEFAULTS.minStockOnline),
    });
  }
  const stores = Array.from({ length: spec.stores }, (_, i) => storeId(i + 1));
  return {
    catalog: { onlineLocation: ONLINE_LOCATION, stores, skus },
    popularity,
    hotSkuIndexes,
    hotPopularity,
  };
}

/** Whole dollars minus a cent ($39.99), never below the floor. */
export function charmPrice(cents: number, minCents: number): number {
  return Math.max(minCents, Math.round(cents / 100) * 100 - 1);
}

function stockFor(share: number, expectedUnits: number, minimum: number): number {
  return Math.max(minimum, Math.ceil(share * expectedUnits * CATALOG_DEFAULTS.stockCover));
}

function cumulative(weights: Float64Array): Float64Array {
  const out = new Float64Array(Math.max(1, weights.length));
  let running = 0;
  for (let i = 0; i < weights.length; i++) {
    running += weights[i]!;
    out[i] = running;
  }
  return out;
}
