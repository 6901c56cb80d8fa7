// Baskets, tenders and refunds with retail shapes: Zipf-picked lines, a
// tender mix with some split payments, refunds spread over the original
// tenders and never above any of them. Money is integer cents throughout.
import type { LineItem, Tender, TenderType } from '../../src/model/recording-schema.ts';
import { SHOPPING_DEFAULTS } from '../profiles/profile-defaults.ts';
import type { SeededRandom } from './seeded-random.ts';
import type { SimulationContext } from './simulation-context.ts';

export type TenderMix = Readonly<Record<TenderType, number>>;

/**
 * Lines for one basket at the current prices. At a store (storeNumber > 0)
 * RFID-tagged units are sold one per line with the EPC of the unit taken.
 */
export function drawBasket(ctx: SimulationContext, storeNumber: number): LineItem[] {
  const { random, model } = ctx;
  const lineCount = Math.min(
    SHOPPING_DEFAULTS.maxLinesPerBasket,
    1 + random.geometric(SHOPPING_DEFAULTS.meanLinesPerBasket - 1),
  );
  const qtyBySku = new Map<number, number>();
  for (let i = 0; i < lineCount; i++) {
    const skuIndex = random.pickCumulative(model.popularity);
    qtyBySku.set(skuIndex, (qtyBySku.get(skuIndex) ?? 0) + drawLineQty(random));
  }
  const lines: LineItem[] = [];
  for (const [skuIndex, qty] of qtyBySku) lines.push(...linesFor(ctx, storeNumber, skuIndex, qty));
  return lines;
}

/** qty units of one SKU: one line, or qty EPC-carrying lines for tagged units sold in a store. */
export function linesFor(
  ctx: SimulationContext,
  storeNumber: number,
  skuIndex: number,
  qty: number,
): LineItem[] {
  const entry = ctx.model.catalog.skus[skuIndex]!;
  const unitPriceCents = ctx.price(skuIndex);
  if (storeNumber === 0 || !entry.rfidTagged) return [{ sku: entry.sku, qty, unitPriceCents }];
  const lines: LineItem[] = [];
  for (let unit = 0; unit < qty; unit++)
    lines.push({ sku: entry.sku, qty: 1, unitPriceCents, epc: ctx.sellUnit(storeNumber, skuIndex) });
  return lines;
}

function drawLineQty(random: SeededRandom): number {
  const weights = SHOPPING_DEFAULTS.lineQtyWeights;
  let target = random.next();
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i]!;
    if (target < 0) return i + 1;
  }
  return weights.length;
}

export function linesTotal(lines: readonly LineItem[]): number {
  let total = 0;
  for (const line of lines) total += line.qty * line.unitPriceCents;
  return total;
}

/** One tender, or two distinct ones at `splitRate`, summing exactly to totalCents. */
export function drawTenders(
  random: SeededRandom,
  totalCents: number,
  mix: TenderMix,
  splitRate: number,
): Tender[] {
  const first = random.pickWeighted(mix);
  if (totalCents < 2 || !random.chance(splitRate)) return [{ type: first, amountCents: totalCents }];
  let second = first;
  // Redraw until different; the mix has at least two types with weight, so this ends.
  for (let tries = 0; second === first && tries < 50; tries++) second = random.pickWeighted(mix);
  if (second === first) return [{ type: first, amountCents: totalCents }];
  const firstAmount = Math.min(
    totalCents - 1,
    Math.max(1, Math.round(totalCents * random.uniform(0.2, 0.8))),
  );
  return [
    { type: first, amountCents: firstAmount },
    { type: second, amountCents: totalCents - firstAmount },
  ];
}

/**
 * Spreads a refund over the original tenders in proportion to what each paid,
 * each capped at its original amount (refunds must never exceed the tender).
 * amountCents must not exceed the sum of the original tenders.
 */
export function allocateRefund(amountCents: number, original: readonly Tender[]): Tender[] {
  const paid = original.reduce((sum, t) => sum + t.amountCents, 0);
  const shares = original.map((t) => Math.floor((amountCents * t.amountCents) / paid));
  let left = amountCents - shares.reduce((sum, s) => sum + s, 0);
  for (let i = 0; left > 0 && i < original.length; i++) {
    const room = original[i]!.amountCents - shares[i]!;
    const add = Math.min(room, left);
    shares[i] = shares[i]! + add;
    left -= add;
  }
  const refunds: Tender[] = [];
  original.forEach((tender, i) => {
    if (shares[i]! > 0) refunds.push({ type: tender.type, amountCents: shares[i]! });
  });
  return refunds;
}
