// What a run seeds before traffic starts: the catalog the traffic assumes
// (prices, initial stock per store, which SKUs are the drop) plus the probe
// SKUs, whose stock outlasts any run so the probes measure the service and
// never the stock. A generated profile knows its catalog exactly; for a
// recording it is read off the events (prices from the lines, generous stock).
import { catalogFor } from '../../recorders/synthetic-generator.ts';
import type { RecordingEvent } from '../model/recording-schema.ts';
import type { Scenario } from '../model/scenario-schema.ts';
import type { CatalogFile } from './run-directory.ts';

/** Sold by the checkout probe (one unit every 100 ms per region is ~36 k an hour). */
export const PROBE_STOCK = 50_000_000;
export const PROBE_PRICE_CENTS = 100;
export const PROBE_STORE = 'S000';
export const PROPAGATION_PROBE_SKU = 'PROBE-PROPAGATION';
/** Stock per SKU and store when a recording does not say: enough not to turn every sale into a shortage. */
export const RECORDING_STOCK_PER_STORE = 10_000;
const HOT_SKUS_CHARTED = 5;

export interface SeedSku {
  readonly sku: string;
  readonly priceCents: number;
  readonly serialized?: boolean;
  readonly stock: Record<string, number>;
}

export function probeSkus(scenario: Scenario): SeedSku[] {
  return [
    {
      sku: scenario.probes.checkout.sku,
      priceCents: PROBE_PRICE_CENTS,
      stock: { [PROBE_STORE]: PROBE_STOCK },
    },
    { sku: PROPAGATION_PROBE_SKU, priceCents: PROBE_PRICE_CENTS, stock: { [PROBE_STORE]: PROBE_STOCK } },
  ];
}

/** The catalog of a generated profile, exactly as its events assume it. */
export function profileCatalog(
  scenario: Scenario,
  traffic: { profile: string; durationS: number; stores: number; skus: number },
  seed: number,
): { catalog: CatalogFile; seed: SeedSku[] } {
  const synthetic = catalogFor({ ...traffic, seed });
  const seedSkus: SeedSku[] = synthetic.skus.map((s) => {
    const stock: Record<string, number> = { [synthetic.onlineLocation]: s.stockOnline };
    for (const store of synthetic.stores) stock[store] = s.stockPerStore;
    return { sku: s.sku, priceCents: s.priceCents, serialized: s.rfidTagged, stock };
  });
  // Hot SKUs (the drop) first; a profile without a drop charts its best-stocked online SKUs.
  const hot = synthetic.skus.filter((s) => s.hot).map((s) => s.sku);
  const hotSkus =
    hot.length > 0
      ? hot.slice(0, HOT_SKUS_CHARTED)
      : [...synthetic.skus]
          .sort((a, b) => b.stockOnline - a.stockOnline)
          .slice(0, HOT_SKUS_CHARTED)
          .map((s) => s.sku);
  return catalogFile(scenario, seedSkus, hotSkus);
}

/** A catalog read off a recording's events: every SKU sold or counted, at every store it appears in. */
export function recordingCatalog(
  scenario: Scenario,
  events: Iterable<RecordingEvent>,
): { catalog: CatalogFile; seed: SeedSku[] } {
  const prices = new Map<string, number>();
  const stores = new Set<string>(['S000']);
  const demand = new Map<string, number>();
  const note = (sku: string, price: number | undefined, qty: number) => {
    if (price !== undefined && !prices.has(sku)) prices.set(sku, price);
    else if (!prices.has(sku)) prices.set(sku, 0);
    demand.set(sku, (demand.get(sku) ?? 0) + qty);
  };
  for (const e of events) {
    if ('store' in e && typeof e.store === 'string') stores.add(e.store);
    if ('lines' in e && Array.isArray(e.lines)) {
      for (const line of e.lines as { sku: string; qty: number; unitPriceCents?: number }[]) {
        note(line.sku, line.unitPriceCents, line.qty);
      }
    }
    if ('sku' in e && typeof e.sku === 'string') note(e.sku, undefined, 0);
  }
  const seedSkus: SeedSku[] = [...prices].map(([sku, priceCents]) => ({
    sku,
    priceCents,
    stock: Object.fromEntries([...stores].map((s) => [s, RECORDING_STOCK_PER_STORE])),
  }));
  const hotSkus = [...demand]
    .sort((a, b) => b[1] - a[1])
    .slice(0, HOT_SKUS_CHARTED)
    .map(([sku]) => sku);
  return catalogFile(scenario, seedSkus, hotSkus);
}

function catalogFile(
  scenario: Scenario,
  seedSkus: SeedSku[],
  hotSkus: string[],
): { catalog: CatalogFile; seed: SeedSku[] } {
  const all = [...probeSkus(scenario), ...seedSkus];
  return {
    seed: all,
    catalog: {
      probeSku: scenario.probes.checkout.sku,
      hotSkus,
      skus: all.map((s) => ({ sku: s.sku, priceCents: s.priceCents, stock: s.stock })),
    },
  };
}
