// Seeds a catalog into a freshly set-up Vendure through the Admin API: one
// product per SKU with one variant carrying the SKU, its price (minor units, as
// peakdrill's cents), its stock on hand at the default stock location and
// trackInventory TRUE. Batched (aliased mutations), so 1,000 SKUs are ~20 requests.
import { PeakdrillError } from '../../model/errors.ts';
import type { SeedSku } from '../../run/run-catalog.ts';
import type { VendureAdminClient } from './vendure-admin-client.ts';

export interface VendureSeedSku {
  readonly sku: string;
  readonly priceCents: number;
  /** Units on hand at Vendure's (single) default stock location. */
  readonly stock: number;
}

/** What a codec needs to turn a SKU into Vendure's addItemToOrder(productVariantId). */
export interface SeededVariant {
  readonly sku: string;
  readonly productId: string;
  readonly variantId: string;
}

export type VendureCatalog = ReadonlyMap<string, SeededVariant>;

const BATCH = 50;

/**
 * peakdrill's seed (stock per store) → Vendure's: Vendure here has one stock
 * location, so the caller says which of peakdrill's locations it stands for
 * (e.g. the online location for web shoppers). A SKU without it gets 0.
 */
export function vendureSeedFrom(seed: readonly SeedSku[], location: string): VendureSeedSku[] {
  return seed.map((s) => ({ sku: s.sku, priceCents: s.priceCents, stock: s.stock[location] ?? 0 }));
}

export async function seedCatalog(
  admin: VendureAdminClient,
  skus: readonly VendureSeedSku[],
): Promise<VendureCatalog> {
  checkSeed(skus);
  const catalog = new Map<string, SeededVariant>();
  for (let i = 0; i < skus.length; i += BATCH) {
    const batch = skus.slice(i, i + BATCH);
    const productIds = await createProducts(admin, batch);
    const variants = await createVariants(admin, batch, productIds);
    batch.forEach((s, j) => {
      catalog.set(s.sku, { sku: s.sku, productId: productIds[j]!, variantId: variants[j]! });
    });
  }
  return catalog;
}

function checkSeed(skus: readonly VendureSeedSku[]): void {
  const seen = new Set<string>();
  const problems: string[] = [];
  skus.forEach((s, i) => {
    if (s.sku === '' || seen.has(s.sku))
      problems.push(`skus[${i}].sku ${JSON.stringify(s.sku)} is empty or repeated`);
    seen.add(s.sku);
    if (!Number.isInteger(s.priceCents) || s.priceCents < 0)
      problems.push(`skus[${i}].priceCents must be an integer ≥ 0`);
    if (!Number.isInteger(s.stock) || s.stock < 0) problems.push(`skus[${i}].stock must be an integer ≥ 0`);
  });
  if (problems.length > 0) {
    throw new PeakdrillError('PEAKDRILL_ERR_INVALID_INPUT', `Vendure catalog seed: ${problems.join('; ')}`, {
      hint: 'give each SKU once, with whole-cent prices and whole-unit stock',
    });
  }
}

async function createProducts(
  admin: VendureAdminClient,
  batch: readonly VendureSeedSku[],
): Promise<string[]> {
  const params = batch.map((_, j) => `$p${j}: CreateProductInput!`).join(', ');
  const fields = batch.map((_, j) => `p${j}: createProduct(input: $p${j}) { id }`).join('\n');
  const variables = Object.fromEntries(
    batch.map((s, j) => [
      `p${j}`,
      {
        enabled: true,
        translations: [{ languageCode: 'en', name: s.sku, slug: slugOf(s.sku), description: '' }],
      },
    ]),
  );
  const data = await admin.run<Record<string, { id: string }>>(
    `createProduct ×${batch.length} (from ${batch[0]!.sku})`,
    `mutation (${params}) {\n${fields}\n}`,
    variables,
  );
  return batch.map((_, j) => data[`p${j}`]!.id);
}

async function createVariants(
  admin: VendureAdminClient,
  batch: readonly VendureSeedSku[],
  productIds: readonly string[],
): Promise<string[]> {
  const input = batch.map((s, j) => ({
    productId: productIds[j],
    sku: s.sku,
    price: s.priceCents,
    stockOnHand: s.stock,
    trackInventory: 'TRUE',
    translations: [{ languageCode: 'en', name: s.sku }],
  }));
  const data = await admin.run<{ createProductVariants: ({ id: string; sku: string } | null)[] }>(
    `createProductVariants ×${batch.length} (from ${batch[0]!.sku})`,
    'mutation ($input: [CreateProductVariantInput!]!) { createProductVariants(input: $input) { id sku } }',
    { input },
  );
  return batch.map((s, j) => {
    const v = data.createProductVariants[j];
    if (!v || v.sku !== s.sku) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_STATE',
        `Vendure created variant ${JSON.stringify(v)} where ${s.sku} was expected`,
      );
    }
    return v.id;
  });
}

/** Vendure wants a unique URL slug per product; SKUs are unique, and hex keeps them so (case, punctuation). */
function slugOf(sku: string): string {
  return `sku-${Buffer.from(sku).toString('hex')}`;
}
