// Store operations between sales: deliveries scanned carton by carton,
// barcode adjustments (damage, theft, found stock) and markdowns that change
// a whole style's price. Each arrives as a Poisson process per store.
import type { PriceChangeEvent } from '../../src/model/recording-schema.ts';
import { CATALOG_DEFAULTS, STORE_OPS_DEFAULTS } from '../profiles/profile-defaults.ts';
import type { SimulationContext, Source } from './simulation-context.ts';
import { charmPrice, storeId } from './synthetic-catalog.ts';

export function startStoreOpsSources(ctx: SimulationContext): void {
  const ops = ctx.plan.storeOps;
  if (ops !== undefined) {
    for (let store = 1; store <= ctx.options.stores; store++) {
      if (ops.receivingPerStoreHour > 0)
        ctx.schedule(poissonGap(ctx, ops.receivingPerStoreHour / 3600), deliverySource, store);
      if (ops.adjustmentsPerStoreHour > 0)
        ctx.schedule(poissonGap(ctx, ops.adjustmentsPerStoreHour / 3600), adjustmentSource, store);
    }
  }
  const prices = ctx.plan.priceChanges;
  if (prices !== undefined) {
    if (prices.stylesPerHour > 0)
      ctx.schedule(poissonGap(ctx, prices.stylesPerHour / 3600), markdownTrickleSource, undefined);
    if (prices.wave !== undefined) {
      const styleCount = Math.ceil(ctx.options.skus / CATALOG_DEFAULTS.sizesPerStyle);
      const styles = new Set<number>();
      const wanted = Math.max(1, Math.round(styleCount * prices.wave.styleShare));
      while (styles.size < Math.min(wanted, styleCount)) styles.add(ctx.random.int(0, styleCount - 1));
      let at = prices.wave.atS * 1000;
      for (const style of [...styles].sort((a, b) => a - b)) {
        ctx.schedule(at, markdownSource, { style, size: 0, priceCents: 0 });
        at += 50;
      }
    }
  }
}

/** Milliseconds to the next arrival of a Poisson process with this rate per second. */
export function poissonGap(ctx: SimulationContext, ratePerSecond: number): number {
  return ctx.random.exponential(1000 / ratePerSecond);
}

interface Carton {
  readonly store: number;
  readonly skuIndex: number;
  readonly qty: number;
  readonly reference: string;
}

const deliverySource: Source<number> = {
  fire(ctx, timeMs, store) {
    ctx.schedule(
      timeMs + poissonGap(ctx, ctx.plan.storeOps!.receivingPerStoreHour / 3600),
      deliverySource,
      store,
    );
    const [minSkus, maxSkus] = STORE_OPS_DEFAULTS.skusPerDelivery;
    const reference = `ASN-${storeId(store)}-${ctx.random.int(100_000, 999_999)}`;
    let at = timeMs;
    for (let i = ctx.random.int(minSkus, maxSkus); i > 0; i--) {
      at += ctx.random.uniform(...STORE_OPS_DEFAULTS.cartonScanGapS) * 1000;
      const skuIndex = ctx.random.pickCumulative(ctx.model.popularity);
      ctx.schedule(at, cartonSource, {
        store,
        skuIndex,
        qty: ctx.random.pick(STORE_OPS_DEFAULTS.casePacks),
        reference,
      });
    }
    return undefined;
  },
};

const cartonSource: Source<Carton> = {
  fire(ctx, timeMs, carton) {
    ctx.receiveUnits(carton.store, carton.skuIndex, carton.qty);
    return {
      t: timeMs,
      kind: 'receiving',
      id: ctx.nextId('rcv'),
      store: storeId(carton.store),
      sku: ctx.model.catalog.skus[carton.skuIndex]!.sku,
      qty: carton.qty,
      sequence: ctx.nextInventorySequence(carton.store, carton.skuIndex),
      reference: carton.reference,
    };
  },
};

const adjustmentSource: Source<number> = {
  fire(ctx, timeMs, store) {
    const { random } = ctx;
    ctx.schedule(
      timeMs + poissonGap(ctx, ctx.plan.storeOps!.adjustmentsPerStoreHour / 3600),
      adjustmentSource,
      store,
    );
    const reason = random.pickPair(STORE_OPS_DEFAULTS.adjustmentReasons);
    const delta =
      reason === 'found'
        ? 1
        : reason === 'correction'
          ? random.int(1, 3) * (random.chance(0.5) ? 1 : -1)
          : -random.int(1, reason === 'damaged' ? 1 : 2);
    const skuIndex = random.pickCumulative(ctx.model.popularity);
    return {
      t: timeMs,
      kind: 'barcode-adjustment',
      id: ctx.nextId('adj'),
      store: storeId(store),
      sku: ctx.model.catalog.skus[skuIndex]!.sku,
      delta,
      reason,
      sequence: ctx.nextInventorySequence(store, skuIndex),
      device: `${storeId(store)}-HH${random.int(1, 3)}`,
    };
  },
};

const markdownTrickleSource: Source<undefined> = {
  fire(ctx, timeMs) {
    ctx.schedule(
      timeMs + poissonGap(ctx, ctx.plan.priceChanges!.stylesPerHour / 3600),
      markdownTrickleSource,
      undefined,
    );
    const styleCount = Math.ceil(ctx.options.skus / CATALOG_DEFAULTS.sizesPerStyle);
    return markdownSource.fire(ctx, timeMs, {
      style: ctx.random.int(0, styleCount - 1),
      size: 0,
      priceCents: 0,
    });
  },
};

// One price-change event per size of the style, all at the same instant; the
// price is decided at the first size so every size gets the same one.
const markdownSource: Source<{ style: number; size: number; priceCents: number }> = {
  fire(ctx, timeMs, markdown) {
    const skus = ctx.model.catalog.skus;
    const first = markdown.style * CATALOG_DEFAULTS.sizesPerStyle;
    let size = markdown.size;
    while (first + size < skus.length && size < CATALOG_DEFAULTS.sizesPerStyle && skus[first + size]!.hot)
      size += 1;
    const skuIndex = first + size;
    if (skuIndex >= skus.length || size >= CATALOG_DEFAULTS.sizesPerStyle) return undefined;
    let priceCents = markdown.priceCents;
    if (priceCents === 0) {
      const off = ctx.random.uniform(...STORE_OPS_DEFAULTS.markdownRange);
      priceCents = charmPrice(ctx.price(skuIndex) * (1 - off), CATALOG_DEFAULTS.minPriceCents);
    }
    ctx.schedule(timeMs, markdownSource, { style: markdown.style, size: size + 1, priceCents });
    ctx.setPrice(skuIndex, priceCents);
    const event: PriceChangeEvent = {
      t: timeMs,
      kind: 'price-change',
      id: ctx.nextId('pc'),
      sku: skus[skuIndex]!.sku,
      priceCents,
    };
    return event;
  },
};
